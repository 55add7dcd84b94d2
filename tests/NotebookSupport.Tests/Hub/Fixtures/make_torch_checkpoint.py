"""Writes torch_save_state_dict.bin: a state dict in the exact on-disk format of torch.save (PyTorch >= 1.6 zip
format, pickle protocol 2, tensors as persistent storage ids), produced with the Python standard library only,
so the C# reader is checked against Python's own pickler rather than against TorchSharp.PyBridge's.

The pickled objects mirror torch's: Tensor.__reduce_ex__ returns
torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, OrderedDict()), and each
storage is the persistent id ('storage', torch.<Type>Storage, key, 'cpu', numel) whose bytes live in archive/data/<key>.

Contents (read back in PyTorchCheckpointTests):
  w      float32 [2, 3] = 0.5 * [[0, 1, 2], [3, 4, 5]]      storage '0'
  tied   float32 [2, 3] sharing storage '0' with w           (as tied embedding/decoder weights are saved)
  ids    int64   [4]    = [7, -1, 2**40, 0]                  storage '1'
  bias   float32 [3]    = [-1.5, 0.25, 1e-3]                 storage '2'
Run: python3 make_torch_checkpoint.py   (no third-party packages needed)
"""
import collections
import io
import pickle
import struct
import sys
import types
import zipfile

torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")


def _storage_type(name):
    cls = type(name, (), {})
    cls.__module__ = "torch"
    setattr(torch, name, cls)
    return cls


FloatStorage = _storage_type("FloatStorage")
LongStorage = _storage_type("LongStorage")


def _rebuild_tensor_v2(*args):
    raise RuntimeError("only pickled, never called")


_rebuild_tensor_v2.__module__ = "torch._utils"
torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
torch._utils = torch_utils
sys.modules["torch"] = torch
sys.modules["torch._utils"] = torch_utils


class Storage:
    def __init__(self, kind, key, fmt, values):
        self.kind, self.key, self.numel = kind, key, len(values)
        self.data = struct.pack("<%d%s" % (len(values), fmt), *values)


class Tensor:
    def __init__(self, storage, size, stride, offset=0):
        self.storage, self.size, self.stride, self.offset = storage, size, stride, offset

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor_v2,
                (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.kind, obj.key, "cpu", obj.numel)
        return None


w = Storage(FloatStorage, "0", "f", [0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
ids = Storage(LongStorage, "1", "q", [7, -1, 2 ** 40, 0])
bias = Storage(FloatStorage, "2", "f", [-1.5, 0.25, 1e-3])
state = collections.OrderedDict()
state["w"] = Tensor(w, (2, 3), (3, 1))
state["tied"] = Tensor(w, (2, 3), (3, 1))
state["ids"] = Tensor(ids, (4,), (1,))
state["bias"] = Tensor(bias, (3,), (1,))
state._metadata = collections.OrderedDict([("", {"version": 1})])

buffer = io.BytesIO()
TorchPickler(buffer, protocol=2).dump(state)
with zipfile.ZipFile("torch_save_state_dict.bin", "w", zipfile.ZIP_STORED) as archive:
    archive.writestr("archive/data.pkl", buffer.getvalue())
    archive.writestr("archive/byteorder", "little")
    for storage in (w, ids, bias):
        archive.writestr("archive/data/" + storage.key, storage.data)
    archive.writestr("archive/version", "3\n")
