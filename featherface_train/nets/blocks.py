"""Conv + BN + activation blocks shared by every network (RetinaFace-mnet naming)."""

from __future__ import annotations

from torch import nn


def conv_bn(in_channels: int, out_channels: int, stride: int = 1, leaky: float = 0.0) -> nn.Sequential:
    """3x3 conv, BN, LeakyReLU(``leaky``)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(negative_slope=leaky, inplace=True),
    )


def conv_bn_no_relu(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    """3x3 conv and BN, no activation (SSH branch ends)."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False), nn.BatchNorm2d(out_channels))


def conv_bn_1x1(in_channels: int, out_channels: int, leaky: float = 0.0) -> nn.Sequential:
    """1x1 conv, BN, LeakyReLU(``leaky``)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, 1, 0, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(negative_slope=leaky, inplace=True),
    )


def conv_dw(in_channels: int, out_channels: int, stride: int, leaky: float = 0.1) -> nn.Sequential:
    """Depthwise 3x3 + pointwise 1x1, each with BN and LeakyReLU (MobileNetV1 block)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels, bias=False),
        nn.BatchNorm2d(in_channels),
        nn.LeakyReLU(negative_slope=leaky, inplace=True),
        nn.Conv2d(in_channels, out_channels, 1, 1, 0, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(negative_slope=leaky, inplace=True),
    )
