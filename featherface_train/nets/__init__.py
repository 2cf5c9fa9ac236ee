"""Network definitions: MobileNetV1-0.25 backbone, attention, BiFPN, SSH, heads, full models."""
