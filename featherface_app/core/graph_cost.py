"""Multiply-accumulates of an ONNX graph at one input size, read from the file without ``onnx``.

The app does not depend on the ``onnx`` package (31 MB, and the bundle excludes it), so this module
reads the few protobuf fields it needs straight from the wire format (nodes, initializer shapes,
small constant values, the graph's inputs) and propagates tensor shapes through the graph with the
input fixed to one size. Shape arithmetic that exporters leave in the graph (``Shape`` → ``Gather``
→ ``Concat`` → ``Resize``/``Reshape``) is evaluated on the small integer tensors involved.

Counted: ``Conv`` (Cout x Cin/groups x kH x kW per output pixel), ``ConvTranspose`` (per input
pixel), ``Gemm`` and ``MatMul`` (M x K x N); bias additions, activations, pooling and the rest are
not MACs. An operator whose output shape this module cannot work out makes the count unknown
(``GraphCost.macs`` is None and ``note`` names the operator), never a silent undercount.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Shape = tuple[int, ...]
Array = npt.NDArray[np.generic]

#: TensorProto.DataType → numpy dtype (the ones shape arithmetic and constants use).
_DTYPES: dict[int, type[np.generic]] = {
    1: np.float32,
    2: np.uint8,
    3: np.int8,
    5: np.int16,
    6: np.int32,
    7: np.int64,
    9: np.bool_,
    10: np.float16,
    11: np.float64,
    12: np.uint32,
    13: np.uint64,
}
#: constant tensors up to this many elements are decoded (shape vectors, scales, axes).
_SMALL = 4096


class GraphFormatError(ValueError):
    """The bytes are not an ONNX model this reader understands."""


# -- protobuf wire format -------------------------------------------------------------------------


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise GraphFormatError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise GraphFormatError("varint too long")


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _fields(buf: memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """(field number, wire type, value): an int for varints and fixed widths, bytes for length-delimited."""
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, wire, value
        elif wire == 2:
            length, pos = _varint(buf, pos)
            if pos + length > end:
                raise GraphFormatError("truncated field")
            yield number, wire, buf[pos : pos + length]
            pos += length
        elif wire == 5:
            yield number, wire, int.from_bytes(buf[pos : pos + 4], "little")
            pos += 4
        elif wire == 1:
            yield number, wire, int.from_bytes(buf[pos : pos + 8], "little")
            pos += 8
        else:
            raise GraphFormatError(f"unsupported wire type {wire}")


def _packed_varints(value: int | memoryview) -> list[int]:
    if isinstance(value, int):
        return [_signed(value)]
    out, pos = [], 0
    while pos < len(value):
        item, pos = _varint(value, pos)
        out.append(_signed(item))
    return out


def _packed_floats(value: int | memoryview, wire: int) -> list[float]:
    if isinstance(value, int):
        return [struct.unpack("<f", value.to_bytes(4, "little"))[0]] if wire == 5 else [struct.unpack("<d", value.to_bytes(8, "little"))[0]]
    return list(np.frombuffer(value, dtype="<f4").astype(float))


def _text(value: int | memoryview) -> str:
    return bytes(value).decode("utf-8", "replace") if isinstance(value, memoryview) else ""


@dataclass
class _Tensor:
    name: str = ""
    dims: Shape = ()
    value: Array | None = None


def _tensor(buf: memoryview) -> _Tensor:
    dims: list[int] = []
    data_type = 1
    name = ""
    raw: memoryview | None = None
    typed: list[float] = []
    for number, wire, value in _fields(buf):
        if number == 1:
            dims.extend(_packed_varints(value))
        elif number == 2 and isinstance(value, int):
            data_type = value
        elif number == 8:
            name = _text(value)
        elif number == 9 and isinstance(value, memoryview):
            raw = value
        elif number == 4:
            typed.extend(_packed_floats(value, wire))
        elif number in (5, 7, 11):  # int32_data, int64_data, uint64_data
            typed.extend(_packed_varints(value))
        elif number == 10:
            typed.extend(_packed_floats(value, wire) if wire == 1 else list(np.frombuffer(value, "<f8")) if isinstance(value, memoryview) else [])
    shape = tuple(dims)
    size = math.prod(shape)
    tensor = _Tensor(name, shape)
    dtype = _DTYPES.get(data_type)
    if dtype is None or size > _SMALL:
        return tensor
    if raw is not None:
        itemsize = np.dtype(dtype).itemsize
        if len(raw) == size * itemsize:
            tensor.value = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype).reshape(shape)
    elif len(typed) == size:
        tensor.value = np.array(typed).astype(dtype).reshape(shape)
    return tensor


@dataclass
class _Attribute:
    i: int | None = None
    f: float | None = None
    s: str = ""
    ints: list[int] = field(default_factory=list)
    floats: list[float] = field(default_factory=list)
    t: _Tensor | None = None


def _attribute(buf: memoryview) -> tuple[str, _Attribute]:
    name, attr = "", _Attribute()
    for number, wire, value in _fields(buf):
        if number == 1:
            name = _text(value)
        elif number == 2 and isinstance(value, int):
            attr.f = struct.unpack("<f", value.to_bytes(4, "little"))[0]
        elif number == 3 and isinstance(value, int):
            attr.i = _signed(value)
        elif number == 4:
            attr.s = _text(value)
        elif number == 5 and isinstance(value, memoryview):
            attr.t = _tensor(value)
        elif number == 7:
            attr.floats.extend(_packed_floats(value, wire))
        elif number == 8:
            attr.ints.extend(_packed_varints(value))
    return name, attr


@dataclass
class Node:
    op: str
    domain: str
    inputs: list[str]
    outputs: list[str]
    attributes: dict[str, _Attribute]

    def ints(self, key: str, default: list[int] | None = None) -> list[int]:
        attr = self.attributes.get(key)
        return list(attr.ints) if attr is not None else list(default or [])

    def int(self, key: str, default: int) -> int:
        attr = self.attributes.get(key)
        return attr.i if attr is not None and attr.i is not None else default


def _node(buf: memoryview) -> Node:
    node = Node("", "", [], [], {})
    for number, _wire, value in _fields(buf):
        if number == 1:
            node.inputs.append(_text(value))
        elif number == 2:
            node.outputs.append(_text(value))
        elif number == 4:
            node.op = _text(value)
        elif number == 7:
            node.domain = _text(value)
        elif number == 5 and isinstance(value, memoryview):
            key, attr = _attribute(value)
            node.attributes[key] = attr
    return node


def _value_info(buf: memoryview) -> tuple[str, list[int | None]]:
    """(name, dims) of a ValueInfoProto; a symbolic or missing dimension is None."""
    name, dims = "", []
    for number, _wire, value in _fields(buf):
        if number == 1:
            name = _text(value)
        elif number == 2 and isinstance(value, memoryview):  # TypeProto
            for n2, _w2, tensor_type in _fields(value):
                if n2 != 1 or not isinstance(tensor_type, memoryview):
                    continue
                for n3, _w3, shape in _fields(tensor_type):
                    if n3 != 2 or not isinstance(shape, memoryview):
                        continue
                    for n4, _w4, dim in _fields(shape):
                        if n4 != 1 or not isinstance(dim, memoryview):
                            continue
                        size: int | None = None
                        for n5, _w5, dim_value in _fields(dim):
                            if n5 == 1 and isinstance(dim_value, int):
                                size = _signed(dim_value)
                        dims.append(size if size is not None and size > 0 else None)
    return name, dims


@dataclass
class Graph:
    """The parts of an ONNX model that cost counting needs."""

    nodes: list[Node]
    initializers: dict[str, _Tensor]
    #: the graph's real inputs (not initializers): name → dims (None where symbolic).
    inputs: dict[str, list[int | None]]
    opset: int

    @property
    def weights(self) -> int:
        """Elements in all floating-point initializers (the stored weights, after export folding)."""
        return sum(math.prod(t.dims) for t in self.initializers.values() if t.value is None or np.issubdtype(t.value.dtype, np.floating))


def read_graph(source: Path | bytes) -> Graph:
    """Parse an ONNX file (path or bytes); raises :class:`GraphFormatError` if it is not one."""
    data = memoryview(Path(source).read_bytes() if isinstance(source, Path) else source)
    graph_buf: memoryview | None = None
    opset = 0
    try:
        for number, _wire, value in _fields(data):
            if number == 7 and isinstance(value, memoryview):
                graph_buf = value
            elif number == 8 and isinstance(value, memoryview):  # OperatorSetIdProto
                domain, version = "", 0
                for n2, _w2, v2 in _fields(value):
                    if n2 == 1:
                        domain = _text(v2)
                    elif n2 == 2 and isinstance(v2, int):
                        version = v2
                if domain in ("", "ai.onnx"):
                    opset = version
        if graph_buf is None:
            raise GraphFormatError("no graph in the file")
        nodes: list[Node] = []
        initializers: dict[str, _Tensor] = {}
        declared: list[tuple[str, list[int | None]]] = []
        for number, _wire, value in _fields(graph_buf):
            if not isinstance(value, memoryview):
                continue
            if number == 1:
                nodes.append(_node(value))
            elif number == 5:
                tensor = _tensor(value)
                initializers[tensor.name] = tensor
            elif number == 11:
                declared.append(_value_info(value))
    except (IndexError, struct.error) as exc:
        raise GraphFormatError(f"malformed protobuf ({exc})") from exc
    inputs = {name: dims for name, dims in declared if name not in initializers}
    return Graph(nodes, initializers, inputs, opset)


# -- shape propagation -----------------------------------------------------------------------------


class _Unknown(Exception):
    """A shape this module cannot work out."""


@dataclass
class _Value:
    shape: Shape
    value: Array | None = None


@dataclass(frozen=True)
class GraphCost:
    """MACs of one graph at one input size (``macs`` None when some shape was beyond this reader)."""

    input_hw: tuple[int, int]
    macs: int | None
    #: MACs by operator type (Conv, ConvTranspose, Gemm, MatMul).
    by_op: dict[str, int]
    nodes: int
    note: str = ""

    @property
    def gmacs(self) -> float | None:
        return None if self.macs is None else self.macs / 1e9


def _broadcast(*shapes: Shape) -> Shape:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError as exc:
        raise _Unknown(f"shapes {shapes} do not broadcast") from exc


def _spatial(size: int, kernel: int, stride: int, dilation: int, pad: int, ceil_mode: bool = False) -> int:
    span = size + pad - dilation * (kernel - 1) - 1
    return (math.ceil(span / stride) if ceil_mode else span // stride) + 1


def _window_output(node: Node, in_shape: Shape, kernel: list[int]) -> list[int]:
    """Spatial output of Conv / pooling from its attributes (pads, strides, dilations, auto_pad)."""
    spatial = in_shape[2:]
    n = len(spatial)
    strides = node.ints("strides", [1] * n)
    dilations = node.ints("dilations", [1] * n)
    pads = node.ints("pads", [0] * (2 * n))
    auto_pad = node.attributes["auto_pad"].s if "auto_pad" in node.attributes else "NOTSET"
    ceil_mode = bool(node.int("ceil_mode", 0))
    out = []
    for axis in range(n):
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            out.append(math.ceil(spatial[axis] / strides[axis]))
        elif auto_pad == "VALID":
            out.append(_spatial(spatial[axis], kernel[axis], strides[axis], dilations[axis], 0, ceil_mode))
        else:
            out.append(_spatial(spatial[axis], kernel[axis], strides[axis], dilations[axis], pads[axis] + pads[axis + n], ceil_mode))
    return out


def _axes(values: list[int], rank: int) -> list[int]:
    return [a + rank if a < 0 else a for a in values]


class _Propagator:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.values: dict[str, _Value] = {"": _Value(())}
        for name, tensor in graph.initializers.items():
            self.values[name] = _Value(tensor.dims, tensor.value)
        self.by_op: dict[str, int] = {}

    def get(self, name: str) -> _Value:
        if name not in self.values:
            raise _Unknown(f"tensor '{name}' has no known shape")
        return self.values[name]

    def const(self, name: str) -> Array | None:
        """The value of an optional input (None when absent or empty name)."""
        if not name:
            return None
        value = self.get(name)
        if value.value is None:
            raise _Unknown(f"value of '{name}' is not a constant")
        return value.value

    def add_macs(self, op: str, macs: int) -> None:
        self.by_op[op] = self.by_op.get(op, 0) + macs

    def run(self, node: Node) -> list[_Value]:
        if node.domain not in ("", "ai.onnx"):
            raise _Unknown(f"operator {node.domain}.{node.op}")
        handler = _HANDLERS.get(node.op)
        if handler is not None:
            return handler(self, node)
        if node.op in _SAME_SHAPE:
            first = self.get(node.inputs[0])
            value = first.value
            if value is not None and node.op in _SAME_VALUE:
                value = _SAME_VALUE[node.op](value)
            else:
                value = None
            return [_Value(first.shape, value)] + [_Value(first.shape)] * (len(node.outputs) - 1)
        if node.op in _BINARY:
            a, b = self.get(node.inputs[0]), self.get(node.inputs[1])
            shape = _broadcast(a.shape, b.shape)
            value = _BINARY[node.op](a.value, b.value) if a.value is not None and b.value is not None else None
            return [_Value(shape, value)]
        raise _Unknown(f"operator {node.op}")


def _conv(p: _Propagator, node: Node) -> list[_Value]:
    x, w = p.get(node.inputs[0]), p.get(node.inputs[1])
    if len(x.shape) < 3 or len(w.shape) != len(x.shape):
        raise _Unknown("Conv input of unknown rank")
    kernel = list(w.shape[2:])
    out = _window_output(node, x.shape, kernel)
    shape = (x.shape[0], w.shape[0], *out)
    p.add_macs("Conv", x.shape[0] * w.shape[0] * w.shape[1] * math.prod(kernel) * math.prod(out))
    return [_Value(shape)]


def _conv_transpose(p: _Propagator, node: Node) -> list[_Value]:
    x, w = p.get(node.inputs[0]), p.get(node.inputs[1])
    spatial = x.shape[2:]
    n = len(spatial)
    group = node.int("group", 1)
    kernel = list(w.shape[2:])
    strides = node.ints("strides", [1] * n)
    dilations = node.ints("dilations", [1] * n)
    pads = node.ints("pads", [0] * (2 * n))
    extra = node.ints("output_padding", [0] * n)
    explicit = node.ints("output_shape")
    if explicit:
        out = explicit[-n:]
    else:
        out = [strides[i] * (spatial[i] - 1) + extra[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + n] for i in range(n)]
    cout = w.shape[1] * group
    p.add_macs("ConvTranspose", x.shape[0] * w.shape[0] * w.shape[1] * math.prod(kernel) * math.prod(spatial))
    return [_Value((x.shape[0], cout, *out))]


def _pool(p: _Propagator, node: Node) -> list[_Value]:
    x = p.get(node.inputs[0])
    out = _window_output(node, x.shape, node.ints("kernel_shape"))
    return [_Value((*x.shape[:2], *out))] * len(node.outputs)


def _global_pool(p: _Propagator, node: Node) -> list[_Value]:
    x = p.get(node.inputs[0])
    return [_Value((*x.shape[:2], *([1] * (len(x.shape) - 2))))]


def _gemm(p: _Propagator, node: Node) -> list[_Value]:
    a, b = p.get(node.inputs[0]).shape, p.get(node.inputs[1]).shape
    if len(a) != 2 or len(b) != 2:
        raise _Unknown("Gemm needs 2-D inputs")
    m, k = (a[1], a[0]) if node.int("transA", 0) else a
    n = b[0] if node.int("transB", 0) else b[1]
    p.add_macs("Gemm", m * k * n)
    return [_Value((m, n))]


def _matmul(p: _Propagator, node: Node) -> list[_Value]:
    a, b = p.get(node.inputs[0]).shape, p.get(node.inputs[1]).shape
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    batch = _broadcast(a2[:-2], b2[:-2])
    shape = (*batch, a2[-2], b2[-1])
    p.add_macs("MatMul", math.prod(batch) * a2[-2] * a2[-1] * b2[-1])
    if len(a) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(b) == 1:
        shape = shape[:-1]
    return [_Value(shape)]


def _constant(p: _Propagator, node: Node) -> list[_Value]:
    attr = next(iter(node.attributes.items()), None)
    if attr is None:
        raise _Unknown("empty Constant")
    key, a = attr
    value: Array | None
    if key == "value" and a.t is not None:
        value = a.t.value
        if value is None:
            return [_Value(a.t.dims)]
    elif key == "value_int" and a.i is not None:
        value = np.array(a.i, np.int64)
    elif key == "value_ints":
        value = np.array(a.ints, np.int64)
    elif key == "value_float" and a.f is not None:
        value = np.array(a.f, np.float32)
    elif key == "value_floats":
        value = np.array(a.floats, np.float32)
    else:
        raise _Unknown(f"Constant {key}")
    return [_Value(value.shape, value)]


def _shape(p: _Propagator, node: Node) -> list[_Value]:
    shape = p.get(node.inputs[0]).shape
    start, end = node.int("start", 0), node.attributes.get("end")
    dims = shape[start : end.i if end is not None and end.i is not None else None]
    return [_Value((len(dims),), np.array(dims, np.int64))]


def _gather(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    indices = p.const(node.inputs[1])
    assert indices is not None
    axis = _axes([node.int("axis", 0)], len(data.shape))[0]
    shape = data.shape[:axis] + indices.shape + data.shape[axis + 1 :]
    value = np.take(data.value, indices.astype(np.int64), axis=axis) if data.value is not None else None
    return [_Value(shape, value)]


def _unsqueeze(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    axes_in = p.const(node.inputs[1]) if len(node.inputs) > 1 else None
    axes_list = [int(a) for a in axes_in.ravel()] if axes_in is not None else node.ints("axes")
    rank = len(data.shape) + len(axes_list)
    shape = list(data.shape)
    for axis in sorted(_axes(axes_list, rank)):
        shape.insert(axis, 1)
    value = data.value.reshape(shape) if data.value is not None else None
    return [_Value(tuple(shape), value)]


def _squeeze(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    axes_in = p.const(node.inputs[1]) if len(node.inputs) > 1 else None
    axes_list = [int(a) for a in axes_in.ravel()] if axes_in is not None else node.ints("axes")
    drop = set(_axes(axes_list, len(data.shape))) if axes_list else {i for i, d in enumerate(data.shape) if d == 1}
    shape = tuple(d for i, d in enumerate(data.shape) if i not in drop)
    return [_Value(shape, data.value.reshape(shape) if data.value is not None else None)]


def _concat(p: _Propagator, node: Node) -> list[_Value]:
    parts = [p.get(name) for name in node.inputs if name]
    parts = [v for v in parts if math.prod(v.shape) > 0 or len(v.shape) == len(parts[0].shape)]
    axis = _axes([node.int("axis", 0)], len(parts[0].shape))[0]
    shape = list(parts[0].shape)
    shape[axis] = sum(v.shape[axis] for v in parts)
    value = None
    if all(v.value is not None for v in parts):
        value = np.concatenate([v.value for v in parts if v.value is not None], axis=axis)
    return [_Value(tuple(shape), value)]


def _slice(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    rank = len(data.shape)
    if len(node.inputs) > 1:
        starts_in, ends_in = p.const(node.inputs[1]), p.const(node.inputs[2])
        if starts_in is None or ends_in is None:
            raise _Unknown("Slice without starts or ends")
        starts, ends = [int(v) for v in starts_in.ravel()], [int(v) for v in ends_in.ravel()]
        axes_in = p.const(node.inputs[3]) if len(node.inputs) > 3 else None
        steps_in = p.const(node.inputs[4]) if len(node.inputs) > 4 else None
        axes = [int(v) for v in axes_in.ravel()] if axes_in is not None else list(range(len(starts)))
        steps = [int(v) for v in steps_in.ravel()] if steps_in is not None else [1] * len(starts)
    else:
        starts, ends = node.ints("starts"), node.ints("ends")
        axes = node.ints("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    index: list[slice] = [slice(None)] * rank
    for axis, start, end, step in zip(_axes(axes, rank), starts, ends, steps):
        index[axis] = slice(start, end, step)
    shape = tuple(len(range(dim)[index[i]]) for i, dim in enumerate(data.shape))
    value = data.value[tuple(index)] if data.value is not None else None
    return [_Value(shape, value)]


def _cast(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    dtype = _DTYPES.get(node.int("to", 1))
    value = data.value.astype(dtype) if data.value is not None and dtype is not None else None
    return [_Value(data.shape, value)]


def _reduce(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    rank = len(data.shape)
    axes_in = p.const(node.inputs[1]) if len(node.inputs) > 1 and node.inputs[1] else None
    axes = [int(a) for a in axes_in.ravel()] if axes_in is not None else node.ints("axes")
    if not axes:
        if node.int("noop_with_empty_axes", 0):
            return [_Value(data.shape)]
        axes = list(range(rank))
    axes = _axes(axes, rank)
    keep = node.int("keepdims", 1)
    shape = tuple(1 if i in axes else d for i, d in enumerate(data.shape) if keep or i not in axes)
    return [_Value(shape)]


def _resize(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    rank = len(data.shape)
    sizes = p.const(node.inputs[3]) if len(node.inputs) > 3 and node.inputs[3] else None
    scales_name = node.inputs[2] if node.op == "Resize" and len(node.inputs) > 2 else node.inputs[1] if len(node.inputs) > 1 else ""
    if node.op == "Resize" and p.graph.opset < 11 and len(node.inputs) > 1:
        scales_name = node.inputs[1]  # opset 10: (X, scales)
    scales = p.const(scales_name) if scales_name else None
    if scales is None and "scales" in node.attributes:
        scales = np.array(node.attributes["scales"].floats)
    axes = _axes(node.ints("axes", list(range(rank))), rank)
    shape = list(data.shape)
    if sizes is not None and sizes.size:
        for axis, size in zip(axes, sizes.ravel()):
            shape[axis] = int(size)
    elif scales is not None and scales.size:
        for axis, scale in zip(axes, scales.ravel()):
            shape[axis] = int(math.floor(data.shape[axis] * float(scale)))
    else:
        raise _Unknown(f"{node.op} without constant scales or sizes")
    return [_Value(tuple(shape))]


def _transpose(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    perm = node.ints("perm", list(reversed(range(len(data.shape)))))
    value = np.transpose(data.value, perm) if data.value is not None else None
    return [_Value(tuple(data.shape[i] for i in perm), value)]


def _reshape(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    target = p.const(node.inputs[1]) if len(node.inputs) > 1 else np.array(node.ints("shape"))
    assert target is not None
    shape = [int(v) for v in target.ravel()]
    if not node.int("allowzero", 0):
        shape = [data.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    if -1 in shape:
        known = math.prod(v for v in shape if v != -1)
        shape[shape.index(-1)] = math.prod(data.shape) // known if known else 0
    value = data.value.reshape(shape) if data.value is not None else None
    return [_Value(tuple(shape), value)]


def _flatten(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    axis = _axes([node.int("axis", 1)], len(data.shape))[0]
    return [_Value((math.prod(data.shape[:axis]), math.prod(data.shape[axis:])))]


def _split(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    axis = _axes([node.int("axis", 0)], len(data.shape))[0]
    split_in = p.const(node.inputs[1]) if len(node.inputs) > 1 and node.inputs[1] else None
    parts = [int(v) for v in split_in.ravel()] if split_in is not None else node.ints("split")
    if not parts:
        parts = [data.shape[axis] // len(node.outputs)] * len(node.outputs)
    return [_Value(data.shape[:axis] + (part,) + data.shape[axis + 1 :]) for part in parts]


def _pad(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    pads_in = p.const(node.inputs[1]) if len(node.inputs) > 1 else None
    pads = [int(v) for v in pads_in.ravel()] if pads_in is not None else node.ints("pads")
    rank = len(data.shape)
    if len(pads) != 2 * rank:
        raise _Unknown("Pad with axes")
    return [_Value(tuple(d + pads[i] + pads[i + rank] for i, d in enumerate(data.shape)))]


def _constant_of_shape(p: _Propagator, node: Node) -> list[_Value]:
    shape_value = p.const(node.inputs[0])
    assert shape_value is not None
    shape = tuple(int(v) for v in shape_value.ravel())
    attr = node.attributes.get("value")
    fill = attr.t.value if attr is not None and attr.t is not None and attr.t.value is not None else np.zeros(1, np.float32)
    value = np.full(shape, fill.ravel()[0], dtype=fill.dtype) if math.prod(shape) <= _SMALL else None
    return [_Value(shape, value)]


def _expand(p: _Propagator, node: Node) -> list[_Value]:
    data = p.get(node.inputs[0])
    target = p.const(node.inputs[1])
    assert target is not None
    return [_Value(_broadcast(data.shape, tuple(int(v) for v in target.ravel())))]


def _int_div(a: Array, b: Array) -> Array:
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer):
        return np.asarray(np.trunc(np.true_divide(a, b)).astype(np.result_type(a, b)))
    return np.asarray(np.true_divide(a, b))


_HANDLERS: dict[str, Callable[[_Propagator, Node], list[_Value]]] = {
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "MaxPool": _pool,
    "AveragePool": _pool,
    "LpPool": _pool,
    "GlobalAveragePool": _global_pool,
    "GlobalMaxPool": _global_pool,
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Constant": _constant,
    "Shape": _shape,
    "Gather": _gather,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": _concat,
    "Slice": _slice,
    "Cast": _cast,
    "ReduceMax": _reduce,
    "ReduceMean": _reduce,
    "ReduceSum": _reduce,
    "ReduceMin": _reduce,
    "Resize": _resize,
    "Upsample": _resize,
    "Transpose": _transpose,
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Split": _split,
    "Pad": _pad,
    "ConstantOfShape": _constant_of_shape,
    "Expand": _expand,
}
_SAME_SHAPE = {
    "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Softmax", "LogSoftmax", "Clip",
    "BatchNormalization", "InstanceNormalization", "Identity", "Dropout", "Elu", "Selu", "Exp", "Log", "Sqrt", "Abs",
    "Neg", "Floor", "Ceil", "Round", "Softplus", "Mish", "Erf", "Gelu", "Reciprocal", "Not", "QuantizeLinear",
    "DequantizeLinear", "LRN",
}  # fmt: skip
_SAME_VALUE: dict[str, Callable[[Any], Array]] = {
    "Identity": lambda v: v,
    "Floor": lambda v: np.asarray(np.floor(v)),
    "Ceil": lambda v: np.asarray(np.ceil(v)),
    "Neg": lambda v: np.asarray(-v),
}
_BINARY: dict[str, Callable[[Any, Any], Array]] = {
    "Add": lambda a, b: np.asarray(a + b),
    "Sub": lambda a, b: np.asarray(a - b),
    "Mul": lambda a, b: np.asarray(a * b),
    "Div": _int_div,
    "Pow": lambda a, b: np.asarray(np.power(a, b)),
    "Max": lambda a, b: np.asarray(np.maximum(a, b)),
    "Min": lambda a, b: np.asarray(np.minimum(a, b)),
    "Equal": lambda a, b: np.asarray(a == b),
    "Less": lambda a, b: np.asarray(a < b),
    "Greater": lambda a, b: np.asarray(a > b),
    "And": lambda a, b: np.asarray(np.logical_and(a, b)),
    "Or": lambda a, b: np.asarray(np.logical_or(a, b)),
    "PRelu": lambda a, b: np.asarray(np.where(a < 0, a * b, a)),
}


def graph_cost(graph: Graph, input_hw: tuple[int, int], batch: int = 1) -> GraphCost:
    """MACs of ``graph`` with its (first) image input fixed to ``batch`` x C x H x W."""
    p = _Propagator(graph)
    height, width = input_hw
    for name, dims in graph.inputs.items():
        if len(dims) != 4:
            return GraphCost(input_hw, None, {}, len(graph.nodes), f"input '{name}' is not 4-D")
        channels = dims[1] or 3
        fixed = (dims[0] or batch, channels, height, width)
        if dims[2] is not None and dims[3] is not None and (dims[2], dims[3]) != (height, width):
            fixed = (fixed[0], channels, dims[2], dims[3])  # a fixed-size model runs at its own size
            input_hw = (dims[2], dims[3])
        p.values[name] = _Value(fixed)
    try:
        for node in graph.nodes:
            outputs = p.run(node)
            for name, value in zip(node.outputs, outputs):
                if name:
                    p.values[name] = value
    except (_Unknown, ValueError, IndexError, KeyError, TypeError, AssertionError, ZeroDivisionError) as exc:
        return GraphCost(input_hw, None, dict(p.by_op), len(graph.nodes), f"MACs not counted: {exc}")
    return GraphCost(input_hw, sum(p.by_op.values()), dict(p.by_op), len(graph.nodes))


def fixed_input_hw(graph: Graph) -> tuple[int, int] | None:
    """The input's own height and width when the graph fixes them (else None: any size)."""
    for dims in graph.inputs.values():
        if len(dims) == 4 and dims[2] is not None and dims[3] is not None:
            return dims[2], dims[3]
    return None
