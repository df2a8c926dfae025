"""Path arguments: str or os.PathLike; a missing input is FileNotFoundError (the CLI's exit 66)."""

import errno
import os


def require_file(path, what):
    """``path`` as a str; FileNotFoundError naming ``what`` if nothing is there."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, f"{what} '{path}' does not exist", path)
    return path


def require_directory(path, what):
    """``path`` as a str; FileNotFoundError / NotADirectoryError naming ``what``."""
    path = require_file(path, what)
    if not os.path.isdir(path):
        raise NotADirectoryError(errno.ENOTDIR, f"{what} '{path}' is not a directory", path)
    return path
