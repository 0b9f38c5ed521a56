"""Free the declared sizes of an ONNX model's inputs and outputs, without the ``onnx`` package.

ONNX Runtime checks every input against the shape the model file declares. CenterFace's file
(``resources/models/centerface.onnx``) declares a fixed 10×3×32×32 input although the
network is fully convolutional and takes any multiple of 32; OpenCV's dnn module ignores the
declaration, ONNX Runtime refuses anything else. :func:`free_dimensions` rewrites the
declarations — each dimension of the graph's inputs and outputs becomes a named, free one,
and the intermediate shapes recorded by the exporter (``value_info``, only hints) are
dropped — and leaves every weight and node byte for byte as it was. Weights that an old
exporter also listed as graph inputs stop being inputs (from IR version 4 on, where they
need not be): an input can be fed a new value at every call, so ONNX Runtime would neither
fold them into the convolutions nor fuse the batch norms — three times slower.

It edits the protobuf wire format directly (the few fields on the path from the model to a
dimension), because the ``onnx`` package is not a dependency of the default install.
Field numbers are those of ``onnx.proto``: ModelProto.ir_version = 1, graph = 7;
GraphProto.initializer = 5, input = 11, output = 12, value_info = 13; TensorProto.name = 8;
ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1; Tensor.shape = 2;
TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["free_dimensions"]

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


def free_dimensions(model: bytes) -> bytes:
    """``model`` (a serialized ONNX ModelProto) with every dimension of its graph inputs and
    outputs free (named ``<value>_d<index>``), its ``value_info`` dropped, and its weights no
    longer graph inputs (IR version 4 on; before, they keep their place and shapes).

    Raises ValueError when the bytes are not a model with a graph.
    """
    fields = list(_fields(model))
    ir_version = next((v for n, w, _, v in fields if n == 1 and w == _VARINT), b"")
    weights_may_go = bool(ir_version) and _varint(memoryview(ir_version), 1)[0] >= 4
    out = bytearray()
    found = False
    for number, wire, raw, value in fields:
        if number == 7 and wire == _LEN:
            out += _field(7, _graph(value, weights_may_go))
            found = True
        else:
            out += raw
    if not found:
        raise ValueError("not an ONNX model: no graph")
    return bytes(out)


def _graph(graph: bytes, weights_may_go: bool) -> bytes:
    weights = {  # the initializers' names (TensorProto.name is field 8)
        _name(value, 8) for number, wire, _, value in _fields(graph) if number == 5 and wire == _LEN
    }
    out = bytearray()
    for number, wire, raw, value in _fields(graph):
        if number == 13:
            continue  # value_info: the exporter's shapes of intermediate values, only hints
        if number in (11, 12) and wire == _LEN:
            name = _name(value)
            if name in weights:
                if number == 11 and weights_may_go:
                    continue  # a weight, not an input: constant, so it can be folded
            else:
                out += _field(number, _value_info(value, name.decode("utf-8", "replace")))
                continue
        out += raw
    return bytes(out)


def _value_info(info: bytes, name: str) -> bytes:
    out = bytearray()
    for number, wire, raw, value in _fields(info):
        out += _field(2, _type(value, name)) if number == 2 and wire == _LEN else raw
    return bytes(out)


def _type(type_: bytes, name: str) -> bytes:
    out = bytearray()
    for number, wire, raw, value in _fields(type_):
        if number == 1 and wire == _LEN:  # tensor_type
            tensor = bytearray()
            for n, w, r, v in _fields(value):
                tensor += _field(2, _shape(v, name)) if n == 2 and w == _LEN else r
            out += _field(1, bytes(tensor))
        else:
            out += raw
    return bytes(out)


def _shape(shape: bytes, name: str) -> bytes:
    out = bytearray()
    index = 0
    for number, wire, raw, _ in _fields(shape):
        if number == 1 and wire == _LEN:
            out += _field(1, _field(2, f"{name}_d{index}".encode()))
            index += 1
        else:
            out += raw
    return bytes(out)


def _name(message: bytes, field: int = 1) -> bytes:
    for number, wire, _, value in _fields(message):
        if number == field and wire == _LEN:
            return value
    return b""


def _fields(data: bytes) -> Iterator[tuple[int, int, bytes, bytes]]:
    """Each field of a message: number, wire type, its raw bytes (key included), and its
    payload (the bytes of a length-delimited field, else the raw value)."""
    view = memoryview(data)
    at, end = 0, len(data)
    while at < end:
        start = at
        key, at = _varint(view, at)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            _, at = _varint(view, at)
            payload = bytes(view[start:at])
        elif wire == _I64:
            at += 8
            payload = bytes(view[at - 8 : at])
        elif wire == _I32:
            at += 4
            payload = bytes(view[at - 4 : at])
        elif wire == _LEN:
            size, at = _varint(view, at)
            at += size
            payload = bytes(view[at - size : at])
        else:
            raise ValueError(f"not an ONNX model: wire type {wire} at byte {start}")
        if at > end or number == 0:
            raise ValueError(f"not an ONNX model: field runs past the end at byte {start}")
        yield number, wire, bytes(view[start:at]), payload


def _varint(view: memoryview, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(view) or shift > 63:
            raise ValueError("not an ONNX model: truncated number")
        byte = view[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return _encode_varint(number << 3 | _LEN) + _encode_varint(len(payload)) + payload


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)
