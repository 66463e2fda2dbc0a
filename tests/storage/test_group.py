"""StorageManagerGroup: iterating, sorting, lists, safe queries, plots, broken runs."""
from __future__ import annotations

import numpy as np
import pytest

from monnto.storage import CorruptRunError, StorageManager, StorageManagerGroup, parse_query
from monnto.storage.storage_manager import PARAMS_FILE


@pytest.fixture
def sweep(project):
    """Six finished runs of group 'sweep' with parameters k, s and a result array."""
    runs = []
    for i, (k, s) in enumerate([(3, "x"), (7, "y"), (5, "x"), (9, "x"), (1, "y"), (7, "x")]):
        with StorageManager("sweep", folder_name={"k": k, "i": i}) as sm:
            sm.save_param_dict({"k": k, "s": s, "score": k * 10 + i})
            sm.save_np("rates", np.full(3, float(k)))
        runs.append(sm)
    return runs


def test_group_iterates_all_runs_in_folder_order(sweep):
    group = StorageManagerGroup("sweep")
    assert len(group) == 6
    assert [sm.folder_name for sm in group] == [
        "k=1_i=4", "k=3_i=0", "k=5_i=2", "k=7_i=1", "k=7_i=5", "k=9_i=3"]
    assert group.incomplete == [] and group.broken_runs() == []


def test_sort_by_and_param_lists(sweep):
    group = StorageManagerGroup("sweep").sort_by("score", reverse=True)
    assert group.get_param_list("score") == [93, 75, 71, 52, 30, 14]
    assert group.get_param_list("missing") == [None] * 6
    assert group.get_param_list("missing", remove_None=True) == []
    sms = group.get_param_list("#SM#")
    assert [sm.load_param("score") for sm in sms] == [93, 75, 71, 52, 30, 14]
    rates = group.get_np_list("rates")
    assert [r[0] for r in rates] == [9.0, 7.0, 7.0, 5.0, 3.0, 1.0]


def test_sort_by_puts_missing_values_first(sweep, project):
    StorageManager("sweep", folder_name="no_k").finish()
    group = StorageManagerGroup("sweep").sort_by("k")
    assert group.get_param_list("k") == [None, 1, 3, 5, 7, 7, 9]


def test_get_multi_param_list_keeps_columns_aligned(sweep):
    StorageManager("sweep", folder_name="partial").save_param("k", 100)
    group = StorageManagerGroup("sweep").sort_by("k")
    k, score, sms = group.get_multi_param_list(["k", "score", "#SM#"])
    np.testing.assert_array_equal(k, [1, 3, 5, 7, 7, 9])
    np.testing.assert_array_equal(score, [14, 30, 52, 71, 75, 93])
    assert sms.dtype == object and [sm.load_param("k") for sm in sms] == list(k)
    k_all, _ = group.get_multi_param_list(["k", "score"], remove_None=False)
    assert list(k_all) == [1, 3, 5, 7, 7, 9, 100]


def test_queries_select_runs_by_parameters(sweep):
    group = StorageManagerGroup("sweep").sort_by("score")
    assert group["k>5"].get_param_list("k") == [7, 7, 9]
    assert group['k>5 and s=="x"'].get_param_list("score") == [75, 93]
    assert group['not (s == "x") or k <= 3'].get_param_list("k") == [1, 3, 7]
    assert group["k in (1, 9)"].get_param_list("k") == [1, 9]
    assert group["3 < k < 7"].get_param_list("k") == [5]
    assert len(group["unknown > 1"]) == 0
    assert group["k == -1"].runs == []
    assert group[0].load_param("score") == 14 and len(group[1:3]) == 2


@pytest.mark.parametrize("query", [
    "__import__('os').system('touch pwned')", "k.__class__", "k[0] > 1", "k + 1 > 2",
    "(lambda: 1)()", "[x for x in k]", "open('f')", "k > 1; k", "k >", "__builtins__ == 1"])
def test_queries_with_code_are_refused(sweep, query):
    group = StorageManagerGroup("sweep")
    with pytest.raises(ValueError, match="query"):
        group[query]
    with pytest.raises(ValueError) as info:
        parse_query(query)
    assert repr(query) in str(info.value)


def test_missing_group_raises_naming_the_groups(sweep):
    with pytest.raises(FileNotFoundError, match=r"no group folder .*groups in .*\['sweep'\]"):
        StorageManagerGroup("nope")


def test_main_folder_name_filters_runs_by_name(sweep):
    group = StorageManagerGroup("k=7", main_folder_name="sweep")
    assert sorted(group.get_param_list("score")) == [71, 75]


def test_corrupt_run_does_not_stop_the_group(sweep):
    bad = sweep[2]
    (bad.path / PARAMS_FILE).write_text("{not json")
    group = StorageManagerGroup("sweep")
    assert len(group) == 6
    broken = group.broken_runs()
    assert [sm.folder_name for sm, _ in broken] == [bad.folder_name]
    assert "not valid JSON" in broken[0][1]
    with pytest.raises(CorruptRunError, match=bad.folder_name):
        group.get_param_list("k")
    good = StorageManagerGroup("sweep", skip_broken=True)
    assert sorted(good.get_param_list("k")) == [1, 3, 7, 7, 9]
    assert (bad.path / PARAMS_FILE).read_text() == "{not json"


def test_incomplete_runs_are_marked_and_can_be_left_out(sweep):
    unfinished = StorageManager("sweep", folder_name="killed", auto_finish=False)
    unfinished.save_param("k", 4)
    group = StorageManagerGroup("sweep")
    assert [sm.folder_name for sm in group.incomplete] == ["killed"]
    assert len(StorageManagerGroup("sweep", include_incomplete=False)) == 6
    unfinished.finish()


def test_plot_param_against_result_and_save(sweep, project):
    group = StorageManagerGroup("sweep")
    out = project / "Data" / "k_vs_rate.png"

    def mean_rate(sm):
        return float(sm.load_np("rates").mean())

    ax, xs, ys = group.plot("k", mean_rate, file=out, aggregate="mean")
    np.testing.assert_array_equal(xs, [1, 3, 5, 7, 9])
    np.testing.assert_array_equal(ys, [1.0, 3.0, 5.0, 7.0, 9.0])
    assert out.stat().st_size > 1000 and ax.get_xlabel() == "k" and ax.get_ylabel() == "mean_rate"
    _, xs2, ys2 = group.plot("k", "score")
    np.testing.assert_array_equal(xs2, [1, 3, 5, 7, 7, 9])
    np.testing.assert_array_equal(ys2, [14, 30, 52, 71, 75, 93])
