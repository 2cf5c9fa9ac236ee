"""Specific exceptions, each carrying a message fit to show a user as it is."""


class FeatherFaceError(Exception):
    """Base of every error the app reports to the user."""


class ModelLoadError(FeatherFaceError):
    """A model file is missing, unreadable, or not a valid ONNX model for onnxruntime."""


class ModelMetadataError(ModelLoadError):
    """A model's metadata is malformed or disagrees with the session's real inputs and outputs."""


class ModelRunError(FeatherFaceError):
    """A loaded model failed while running on a frame (e.g. an export that only accepts some sizes)."""


class ModelRetiredError(ModelRunError):
    """A model failed while running and the processor took it off: ``model`` stopped, ``fallback``
    (None: compare was turned off instead) runs from the next frame."""

    def __init__(self, message: str, model: str, fallback: str | None) -> None:
        super().__init__(message)
        self.model = model
        self.fallback = fallback


class SourceError(FeatherFaceError):
    """A frame source cannot be opened or stopped delivering frames."""


class CameraError(SourceError):
    """A camera does not exist, cannot be opened, or was lost."""


class RecordingError(FeatherFaceError):
    """A recording cannot be started or written (folder not writable, disk full, encoder failure)."""


class DatasetError(FeatherFaceError):
    """An evaluation data set is missing, unreadable, or malformed (gt.json, images)."""


def describe(exc: BaseException) -> str:
    """A message for the user: our own errors already read well, others get their type name."""
    if isinstance(exc, FeatherFaceError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
