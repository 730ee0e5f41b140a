"""Where the engine's reports go when Python's streams are not the process's.

The engine is the command's C++ code: its reports, notes and warnings (R-hat, divergences,
the posterior predictive p-values) are written to the process's file descriptors 1 and 2. In a
terminal those are Python's sys.stdout and sys.stderr too, and the text appears as it is
written. In a Jupyter notebook (whose sys.stdout is the kernel's own stream, not descriptor 1)
or under contextlib.redirect_stdout it would never reach the user: there, while the engine
runs, the descriptor is pointed at a temporary file, and its text is written to sys.stdout or
sys.stderr when the call returns (at the end, not as it comes; overlapping calls from several
threads share the temporary files, whose text is passed on when the last of them returns)."""
import contextlib
import ctypes
import os
import sys
import tempfile
import threading


def _writes_to(stream, fd):
    """True when `stream` writes to descriptor `fd` itself."""
    try:
        return stream.fileno() == fd
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return False


def _flush_c_streams():
    """fflush(NULL): the C library's buffered stdout and stderr, before a descriptor changes."""
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


# Runs may overlap (the engine releases the GIL; threads run it side by side): the first to
# enter moves the descriptors, the last to leave puts them back and passes their text on.
_lock = threading.Lock()
_inside = 0
_moved = []  # (fd, stream, the descriptor's own copy, the temporary file)


def _move():
    for fd, stream in ((1, sys.stdout), (2, sys.stderr)):
        if stream is None or _writes_to(stream, fd):
            continue
        stream.flush()
        _flush_c_streams()
        keep = os.dup(fd)
        tmp = tempfile.TemporaryFile()
        os.dup2(tmp.fileno(), fd)
        _moved.append((fd, stream, keep, tmp))


def _restore():
    _flush_c_streams()
    while _moved:
        fd, stream, keep, tmp = _moved.pop(0)
        os.dup2(keep, fd)
        os.close(keep)
        tmp.seek(0)
        text = tmp.read().decode("utf-8", errors="replace")
        tmp.close()
        if text:
            stream.write(text)
            stream.flush()


@contextlib.contextmanager
def engine_output():
    """Run the engine inside: its descriptor 1 and 2 text ends in sys.stdout and sys.stderr."""
    global _inside
    with _lock:
        if _inside == 0:
            try:
                _move()
            except BaseException:
                _restore()
                raise
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                _restore()
