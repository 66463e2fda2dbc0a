"""PNG frames (Pillow) and videos made from them (the external ffmpeg program)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import MonntoTypeError, MonntoValueError
from .data_folder import atomic_open

__all__ = ["FFMPEG_HINT", "image_to_uint8", "render_video", "save_frame"]

FFMPEG_HINT = ("ffmpeg was not found on PATH; render_video needs it: install it with "
               "`apt-get install ffmpeg` (Debian/Ubuntu), `brew install ffmpeg` (macOS) or "
               "`conda install -c conda-forge ffmpeg`")


def image_to_uint8(image: Any) -> np.ndarray:
    """Convert an image to uint8: floats in [0, 1] (clipped), ints in 0..255, bools.

    Accepts (H, W), (H, W, 3) and (H, W, 4) arrays.
    """
    arr = np.asarray(image)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise MonntoValueError(f"save_frame: expected an (H, W), (H, W, 3) or (H, W, 4) image, "
                         f"got shape {arr.shape}")
    if arr.dtype == bool:
        return arr.astype(np.uint8) * 255
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < 0 or arr.max() > 255):
            raise MonntoValueError(f"save_frame: integer images must lie in 0..255, got "
                             f"{arr.min()}..{arr.max()}")
        return arr.astype(np.uint8)
    if arr.dtype.kind == "f":
        return np.round(np.clip(np.nan_to_num(arr), 0.0, 1.0) * 255).astype(np.uint8)
    raise MonntoTypeError(f"save_frame: unsupported image dtype {arr.dtype}")


def save_frame(image: Any, path: str | os.PathLike) -> Path:
    """Write ``image`` as a PNG file at ``path`` (atomically)."""
    from PIL import Image

    pixels = image_to_uint8(image)
    path = Path(path)
    with atomic_open(path, fsync=False) as fh:
        Image.fromarray(pixels).save(fh, format="PNG")
    return path


def render_video(frame_folder: str | os.PathLike, key: str, output: str | os.PathLike,
                 fps: float = 25.0, ffmpeg: str | None = None) -> Path:
    """Encode ``<frame_folder>/<key>_NNNNNN.png`` into an H.264 video at ``output``.

    Parameters
    ----------
    frame_folder : path-like
        Folder holding the frames.
    key : str
        Frame name prefix.
    output : path-like
        Video file to write (``.mp4``); written to a temporary name first.
    fps : float
        Frames per second.
    ffmpeg : str, optional
        The ffmpeg program (default: found on PATH).
    """
    program = ffmpeg or shutil.which("ffmpeg")
    if program is None:
        raise RuntimeError(FFMPEG_HINT)
    folder = Path(frame_folder)
    if not folder.is_dir() or not any(folder.glob(f"{key}_*.png")):
        raise FileNotFoundError(f"render_video: no frames named {key!r} in {str(folder)!r}; "
                                "save some with save_frame first")
    if not fps > 0:
        raise MonntoValueError(f"render_video: fps must be > 0, got {fps!r}")
    output = Path(output)
    tmp = output.with_name(f".{output.stem}.partial{output.suffix}")
    cmd = [program, "-y", "-loglevel", "error", "-framerate", str(fps),
           "-i", str(folder / f"{key}_%06d.png"), "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(tmp)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"render_video: ffmpeg failed with exit code {result.returncode}: "
                           f"{result.stderr.strip()[-2000:]}")
    os.replace(tmp, output)
    return output
