"""LoRA layers computed with fewer passes over memory (a CPU win; harmless elsewhere).

peft computes a LoRA linear layer as `base(x) + lora_B(lora_A(dropout(x))) * scaling`: besides the
matmuls, that is a multiplication and an addition over the whole output in the forward pass, and
again a multiplication and a gradient sum in the backward pass, for each of the 7 projections of
each of the 30 layers. On a CPU those passes are memory-bound and cost about 5% of a training step.
LoRAFunction folds the scaling and the additions into the matmuls (`addmm(..., alpha=scaling)`) and
writes the backward pass by hand, knowing the base weight is frozen.

Only the plain case is changed: one active adapter, no dropout, no DoRA or other variant, a
torch.nn.Linear base layer in float32/bfloat16/float16 (not 4-bit QLoRA). Any other call falls
back to peft's own forward, checked on every call. tests/test_train_data.py checks the outputs and
gradients equal peft's.
"""
from __future__ import annotations

import types

import torch


class LoRAFunction(torch.autograd.Function):
    """y = x W^T + b + scaling * (x A^T) B^T with W and b frozen; A and B trainable."""

    @staticmethod
    def forward(ctx, x, weight, bias, lora_a, lora_b, scaling: float):
        flat = x.reshape(-1, x.shape[-1])
        down = flat @ lora_a.t()  # [M, r]
        base = flat @ weight.t() if bias is None else torch.addmm(bias, flat, weight.t())
        out = base.addmm_(down, lora_b.t(), alpha=scaling)  # in place: no copy of base
        ctx.save_for_backward(flat, down, weight, lora_a, lora_b)
        ctx.scaling, ctx.x_shape = scaling, x.shape
        return out.reshape(*x.shape[:-1], out.shape[-1])

    @staticmethod
    def backward(ctx, grad_out):
        flat, down, weight, lora_a, lora_b = ctx.saved_tensors
        scaling = ctx.scaling
        grad = grad_out.reshape(-1, grad_out.shape[-1])
        grad_down = grad @ lora_b  # [M, r], without the scaling (applied via alpha below)
        grad_x = grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = (grad @ weight).addmm_(grad_down, lora_a, alpha=scaling).reshape(ctx.x_shape)
        if ctx.needs_input_grad[3]:  # [r, in] and [out, r]: small, scaled afterwards
            grad_a = (grad_down.t() @ flat).mul_(scaling)
        if ctx.needs_input_grad[4]:
            grad_b = (grad.t() @ down).mul_(scaling)
        return grad_x, None, None, grad_a, grad_b, None


def _fusable_call(layer, x, args, kwargs) -> str | None:
    """The adapter name when this call is the plain case, else None."""
    if args or kwargs or layer.disable_adapters or layer.merged or len(layer.active_adapters) != 1:
        return None
    name = layer.active_adapters[0]
    if name not in layer.lora_A or name in getattr(layer, "lora_variant", {}):
        return None
    if not isinstance(layer.lora_dropout[name], torch.nn.Identity) or layer.lora_B[name].bias is not None:
        return None
    if torch.is_autocast_enabled(x.device.type):  # mixed precision: peft's path handles the casts
        return None
    base = layer.get_base_layer()
    if type(base) is not torch.nn.Linear or base.weight.requires_grad:
        return None
    if getattr(base, "bias", None) is not None and base.bias.requires_grad:
        return None
    if x.dtype != base.weight.dtype or layer.lora_A[name].weight.dtype != x.dtype:
        return None
    return name


def _forward(self, x, *args, **kwargs):
    name = _fusable_call(self, x, args, kwargs)
    if name is None:
        return type(self).forward(self, x, *args, **kwargs)
    base = self.get_base_layer()
    return LoRAFunction.apply(x, base.weight, base.bias, self.lora_A[name].weight, self.lora_B[name].weight,
                              float(self.scaling[name]))


def fuse_lora_layers(model) -> int:
    """Give every peft LoRA Linear layer of `model` the fused forward; returns how many."""
    from peft.tuners.lora.layer import Linear as LoraLinear

    count = 0
    for module in model.modules():
        if type(module) is LoraLinear:
            module.forward = types.MethodType(_forward, module)
            count += 1
    return count
