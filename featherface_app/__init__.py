"""FeatherFace Live: compare FeatherFace V1 (CBAM) and V2 (ECA) face detectors on live video."""

__version__ = "0.1.0"
