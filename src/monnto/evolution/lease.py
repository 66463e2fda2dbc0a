"""Exclusive access to a shared storage: the journal file lock and the master's lease.

Both name their holder (host, process id, the process's start as the kernel
counts it, and a random token), so a lock or lease left by a process that is
gone is broken at once when the breaker runs on the same host, and by its
age otherwise:

- :class:`HolderFileLock` guards each write to a journal file (a write takes
  milliseconds). A lock whose holder process on this host has ended, or
  whose file is older than ``grace`` seconds, is broken.
- :class:`MasterLease` makes sure only one master plans the generations of
  an evolution: the lease is a study named ``<evolution>:master-lease`` in
  the same storage (creating a study of a given name is atomic there; ``:``
  is not allowed in evolution names, so it never clashes with one). The
  master renews it while it runs and deletes it when it ends; a second
  master refuses to start while the lease is held and fresh.

Ages compare the wall clocks of different machines, so keep their clocks in
sync (NTP) when masters or workers run on several machines.
"""
from __future__ import annotations

import json
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

from optuna.exceptions import DuplicatedStudyError
from optuna.storages import BaseStorage
from optuna.storages.journal import JournalFileOpenLock
from optuna.study import StudyDirection

from monnto.core.errors import ConfigurationError, MonntoValueError
from monnto.storage.processes import pid_alive

_logger = logging.getLogger("monnto.evolution")

#: Seconds after which a journal lock is broken whatever its holder (a write takes milliseconds).
LOCK_GRACE_S = 10.0
#: Seconds a master's lease stays valid without renewal (it is renewed every quarter of that).
LEASE_GRACE_S = 60.0
#: Suffix of the lease study's name.
LEASE_SUFFIX = ":master-lease"
HOLDER_ATTR = "monnto_holder"
RENEWED_ATTR = "monnto_renewed"


# ---- who holds a lock ---------------------------------------------------------
def process_start(pid: int) -> str | None:
    """When process ``pid`` started, as the kernel counts it (Linux: boot id and clock ticks), or None."""
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[-1].split()
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            boot = handle.read().strip()
    except (OSError, ValueError):
        return None
    return f"{boot}:{fields[19].decode('ascii')}" if len(fields) > 19 else None


def pid_namespace() -> str | None:
    """This process's PID namespace (Linux), so that containers sharing a host name are told apart."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def this_process(clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """The identity a lock or lease records: host, PID namespace, pid, process start, time taken, token."""
    return {"host": socket.gethostname(), "pid_ns": pid_namespace(), "pid": os.getpid(),
            "process_start": process_start(os.getpid()), "since": clock(), "token": uuid.uuid4().hex}


def describe_holder(holder: Any) -> str:
    """``'pid 123 on host node1 since 2026-12-05 09:13:14 UTC'`` (robust to malformed records)."""
    if not isinstance(holder, dict):
        return f"an unknown holder ({holder!r:.60})"
    since = holder.get("since")
    when = (time.strftime(" since %Y-%m-%d %H:%M:%S UTC", time.gmtime(since))
            if isinstance(since, (int, float)) and math.isfinite(since) and 0 <= since < 1e11 else "")
    return f"pid {holder.get('pid')!r} on host {holder.get('host')!r}{when}"


def holder_gone(holder: Any) -> str | None:
    """Why ``holder`` has certainly ended (it ran on this host), or None when it may be alive.

    Only a holder of this host and PID namespace is judged by its pid; any
    other one may be alive, and only its age tells.
    """
    if not isinstance(holder, dict) or holder.get("host") != socket.gethostname():
        return None
    if holder.get("pid_ns") != pid_namespace():
        return None
    pid = holder.get("pid")
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        return None
    if not pid_alive(pid):
        return f"its process {pid} on this host ({holder['host']}) has ended"
    started = holder.get("process_start")
    now = process_start(pid)
    if started and now and started != now:
        return f"process {pid} on this host ({holder['host']}) is another process now"
    return None


# ---- the journal file lock -----------------------------------------------------
class HolderFileLock(JournalFileOpenLock):
    """A journal file lock (``<journal>.lock``, made with ``O_EXCL``) that records its holder.

    A lock is broken at once when its holder ran on this host and has ended,
    or when it is older than ``grace`` seconds (by the file's time, or by
    how long this process has seen it unchanged). It takes the place of
    Optuna's :class:`~optuna.storages.journal.JournalFileOpenLock` (same
    lock file, so both can share a journal), whose only test is the age.

    Parameters
    ----------
    journal_path : str
        The journal file; the lock is ``journal_path + '.lock'``.
    grace : float
        Seconds after which a lock is broken whatever its holder.
    clock, sleep : callable
        Wall clock (s) and sleep function (injected by tests).
    """

    def __init__(self, journal_path: str, grace: float = LOCK_GRACE_S, *,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep):
        if isinstance(grace, bool) or not isinstance(grace, (int, float)) or not 0 < grace < math.inf:
            raise MonntoValueError(f"HolderFileLock {journal_path!r}: grace must be a positive number of "
                                   f"seconds, got {grace!r}")
        super().__init__(os.fspath(journal_path), grace_period=None)
        self.path = os.fspath(journal_path) + ".lock"
        self.grace = float(grace)
        self.clock = clock
        self.sleep = sleep
        self._token: str | None = None

    def _look(self) -> tuple[bytes, float] | None:
        try:
            with open(self.path, "rb") as handle:
                content = handle.read(4096)
                return content, os.fstat(handle.fileno()).st_mtime
        except FileNotFoundError:
            return None

    def _stale_reason(self, content: bytes, mtime: float, seen_for: float) -> str | None:
        try:
            holder = json.loads(content.decode("utf-8")) if content else None
        except (UnicodeDecodeError, ValueError):
            holder = None
        reason = holder_gone(holder)
        if reason:
            return reason
        age = max(self.clock() - mtime, seen_for)
        if age > self.grace:
            return f"it is {age:.1f} s old (more than {self.grace:g} s), held by {describe_holder(holder)}"
        return None

    def _break(self, content: bytes, reason: str) -> None:
        moved = f"{self.path}.{uuid.uuid4().hex}.stale"
        try:
            os.rename(self.path, moved)
        except FileNotFoundError:
            return  # released or broken by someone else meanwhile
        try:
            with open(moved, "rb") as handle:
                if handle.read(4096) != content:  # it changed hands between our look and the rename
                    try:
                        os.link(moved, self.path)
                    except OSError:
                        pass
                    return
            _logger.warning("journal lock %s broken: %s", self.path, reason)
        finally:
            os.unlink(moved)

    def acquire(self) -> bool:
        """Take the lock, waiting for its holder or breaking a stale one; return True."""
        delay = 0.001
        seen: tuple[bytes, float] | None = None
        seen_at = 0.0
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                look = self._look()
                if look is None:
                    continue
                if look != seen:
                    seen, seen_at = look, self.clock()
                reason = self._stale_reason(look[0], look[1], self.clock() - seen_at)
                if reason:
                    self._break(look[0], reason)
                    seen, delay = None, 0.001
                    continue
                self.sleep(delay)
                delay = min(2 * delay, 0.05)
                continue
            holder = this_process(self.clock)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(json.dumps(holder))
            except BaseException:
                os.unlink(self.path)
                raise
            self._token = holder["token"]
            return True

    def release(self) -> None:
        """Remove the lock if it is still this process's (a broken one is left to its new holder)."""
        look = self._look()
        token, self._token = self._token, None
        if look is None or token is None or token.encode("ascii") not in look[0]:
            _logger.warning("journal lock %s was broken while this process held it", self.path)
            return
        moved = f"{self.path}.{uuid.uuid4().hex}.release"
        os.rename(self.path, moved)
        os.unlink(moved)


# ---- the master's lease ----------------------------------------------------------
class MasterLease:
    """The right to plan the generations of evolution ``name``: one master at a time.

    Parameters
    ----------
    storage : BaseStorage
        The evolution's storage.
    name : str
        The evolution's name.
    grace : float
        Seconds the lease stays valid without renewal; :meth:`renew` writes
        every ``grace / 4`` s. A lease whose holder ran on this host and has
        ended is broken at once.
    clock : callable
        Wall clock in seconds (injected by tests).
    holder : dict, optional
        The identity to record (default: :func:`this_process`).
    settle : float
        Seconds to wait for the holder record of a lease that is being
        created before it counts as abandoned.
    sleep : callable
        Sleep function (injected by tests).
    """

    def __init__(self, storage: BaseStorage, name: str, *, grace: float = LEASE_GRACE_S,
                 clock: Callable[[], float] = time.time, holder: dict[str, Any] | None = None,
                 settle: float = 5.0, sleep: Callable[[float], None] = time.sleep):
        if isinstance(grace, bool) or not isinstance(grace, (int, float)) or not 0 < grace < math.inf:
            raise MonntoValueError(f"Evolution {name!r}: lease_grace must be a positive number of seconds, "
                                   f"got {grace!r}")
        self.storage = storage
        self.name = name
        self.lease_name = name + LEASE_SUFFIX
        self.grace = float(grace)
        self.clock = clock
        self.holder = dict(holder) if holder is not None else this_process(clock)
        self.settle = settle
        self.sleep = sleep
        self._study_id: int | None = None
        self._renewed = -math.inf

    @property
    def held(self) -> bool:
        """True while this object holds the lease (as far as it knows)."""
        return self._study_id is not None

    def _current(self) -> tuple[int, dict[str, Any]] | None:
        try:
            study_id = self.storage.get_study_id_from_name(self.lease_name)
            return study_id, self.storage.get_study_user_attrs(study_id)
        except KeyError:
            return None

    def _where(self) -> str:
        from monnto.evolution.study import describe

        return describe(self.storage)

    def _stale_reason(self, attrs: dict[str, Any]) -> str | None:
        holder = attrs.get(HOLDER_ATTR)
        reason = holder_gone(holder)
        if reason:
            return reason
        renewed = attrs.get(RENEWED_ATTR)
        if isinstance(renewed, bool) or not isinstance(renewed, (int, float)) or not math.isfinite(renewed):
            return f"its renewal time {renewed!r} is not a time"
        age = self.clock() - renewed
        if age > self.grace:
            return f"it was last renewed {age:.0f} s ago (more than {self.grace:g} s)"
        return None

    def _refuse_or_break(self, study_id: int, attrs: dict[str, Any]) -> None:
        current = self._settled((study_id, attrs))  # a master may be creating it right now
        if current is None or current[0] != study_id:
            return
        attrs = current[1]
        reason = (self._stale_reason(attrs) if HOLDER_ATTR in attrs
                  else f"it has had no holder for {self.settle:g} s")
        holder = attrs.get(HOLDER_ATTR)
        if reason is None:
            renewed = attrs[RENEWED_ATTR]
            age = max(0.0, self.clock() - renewed)
            raise ConfigurationError(
                f"Evolution {self.name!r}: study {self.name!r} in {self._where()} is already run by the master "
                f"{describe_holder(holder)} (lease renewed {age:.0f} s ago); two masters would plan the same "
                f"generations twice. Stop that master first (monnto evolve stop --name {self.name}); if it "
                f"died on another machine, its lease expires {max(0.0, self.grace - age):.0f} s from now"
            )
        _logger.warning("evolution %r: breaking the lease of the master %s: %s", self.name,
                        describe_holder(holder), reason)
        try:
            self.storage.delete_study(study_id)
        except KeyError:
            pass  # someone else broke it first

    def acquire(self) -> None:
        """Take the lease, breaking a stale one.

        Raises
        ------
        ConfigurationError
            When another master holds a fresh lease (the message names the
            study and the holder).
        """
        for _ in range(20):
            try:
                study_id = self.storage.create_new_study([StudyDirection.MINIMIZE], self.lease_name)
            except DuplicatedStudyError:
                current = self._current()
                if current is not None:
                    self._refuse_or_break(*current)
                continue
            now = self.clock()  # the renewal time first: a lease with a holder always has one
            self.storage.set_study_user_attr(study_id, RENEWED_ATTR, now)
            self.storage.set_study_user_attr(study_id, HOLDER_ATTR, self.holder)
            self._study_id, self._renewed = study_id, now
            self.check()  # a breaker may have deleted it in between
            return
        raise ConfigurationError(f"Evolution {self.name!r}: the master's lease on study {self.name!r} in "
                                 f"{self._where()} changed hands 20 times while this master tried to take it")

    def _settled(self, current: tuple[int, dict[str, Any]] | None) -> tuple[int, dict[str, Any]] | None:
        """``current``, or the lease once its holder is written (up to ``settle`` s; stops when it changes).

        A lease without a holder is being taken by a master right now.
        """
        waited = 0.0
        study_id = None if current is None else current[0]
        while current is not None and current[0] == study_id and HOLDER_ATTR not in current[1] \
                and waited < self.settle:
            self.sleep(0.05)
            waited += 0.05
            current = self._current()
        return current

    def check(self) -> None:
        """Raise :class:`ConfigurationError` unless this object still holds the lease."""
        current = self._current()
        ours = (current is not None and current[0] == self._study_id
                and isinstance(current[1].get(HOLDER_ATTR), dict)
                and current[1][HOLDER_ATTR].get("token") == self.holder["token"])
        if not ours:
            self._study_id = None
            current = self._settled(current)
            other = describe_holder(current[1].get(HOLDER_ATTR)) if current else "nobody"
            raise ConfigurationError(
                f"Evolution {self.name!r}: this master lost its lease on study {self.name!r} in {self._where()} "
                f"(now held by {other}); it stops so that two masters never plan the same generation"
            )

    def renew(self) -> None:
        """Check the lease is still held; write a new renewal time every ``grace / 4`` s."""
        self.check()
        now = self.clock()
        if now - self._renewed >= self.grace / 4:
            self.storage.set_study_user_attr(self._study_id, RENEWED_ATTR, now)
            self._renewed = now

    def release(self) -> None:
        """Give the lease up (delete it if it is still this object's)."""
        if self._study_id is None:
            return
        try:
            self.check()
            self.storage.delete_study(self._study_id)
        except (ConfigurationError, KeyError):
            pass
        self._study_id = None
