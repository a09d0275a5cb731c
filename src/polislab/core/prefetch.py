"""A software prefetch hint for compiled kernels: ``prefetch(array, index)`` asks the CPU to bring
the cache line of ``array[index]`` in while the kernel goes on (LLVM's ``llvm.prefetch``).

Random-access kernels on large graphs wait on memory more than they compute; a hint issued a
few updates ahead, for an address that does not depend on the state those updates change (the
static graph), hides most of that wait without changing a single result. A plain load would
not do: it blocks the CPU's in-order retirement until the line arrives.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, array, index):
    """Hint that ``array[index]`` (row ``index`` of a 2-D array) will be read soon; no effect on results."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None
    signature = types.void(array, index)

    def codegen(context, builder, sig, args):
        array_value, index_value = args
        array_type, index_type = sig.args
        ary = context.make_array(array_type)(context, builder, array_value)
        index64 = context.cast(builder, index_value, index_type, types.intp)
        row = [index64] + [context.get_constant(types.intp, 0)] * (array_type.ndim - 1)
        pointer = cgutils.get_item_pointer(context, builder, array_type, ary, row, wraparound=False)
        byte_pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer.type, i32, i32, i32]), "llvm.prefetch")
        builder.call(function, [byte_pointer, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return signature, codegen
