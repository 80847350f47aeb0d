"""Small networks in the style of well-known families, none of them built by archrank (CIFAR-sized inputs,
3 x 32 x 32, 10 classes, a few channels): the networks a user brings.  ``ZOO`` maps a name to a zero-argument
factory.  They use the layers users write: ``nn.ReLU(inplace=True)``, ReLU6, GELU, SiLU, activations
applied as functions (``F.relu``, ``torch.relu``, ``Tensor.relu_``) with no activation module, functional
pooling and flattening, LayerNorm, attention, channel shuffles and concatenations; none declares
``feature_blocks()`` except ``declared_blocks``, and one returns a tuple."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

NUM_CLASSES = 10


def conv_bn(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1, act: Callable[[], nn.Module] | None = None
            ) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, *([act()] if act is not None else []))


class BasicBlock(nn.Module):
    """ResNet basic block (two 3x3 convolutions and a shortcut)."""

    def __init__(self, cin: int, cout: int, stride: int = 1, act: Callable[[], nn.Module] = nn.ReLU):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride, act=act)
        self.conv2 = conv_bn(cout, cout, 3)
        self.short = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()
        self.act = act()

    def forward(self, x):
        return self.act(self.conv2(self.conv1(x)) + self.short(x))


class FunctionalBlock(nn.Module):
    """ResNet basic block with no activation module: ``F.relu`` and an in-place ``relu_`` in ``forward``."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return (self.bn2(self.conv2(y)) + self.short(x)).relu_()


class FunctionalResNet(nn.Module):
    """The ResNet of :class:`FunctionalBlock`, its stem activated with ``torch.relu``."""

    def __init__(self, widths=(8, 16, 32)):
        super().__init__()
        self.conv = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(widths[0])
        blocks, cin = [], widths[0]
        for i, w in enumerate(widths):
            blocks += [FunctionalBlock(cin, w, 1 if i == 0 else 2), FunctionalBlock(w, w)]
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, NUM_CLASSES)

    def forward(self, x):
        x = self.blocks(torch.relu(self.bn(self.conv(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class Bottleneck(nn.Module):
    """ResNet bottleneck block (1x1 reduce, 3x3, 1x1 expand) with in-place ReLUs."""

    def __init__(self, cin: int, mid: int, cout: int, stride: int = 1):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin, mid, 1, act=lambda: nn.ReLU(inplace=True)),
                                  conv_bn(mid, mid, 3, stride, act=lambda: nn.ReLU(inplace=True)),
                                  conv_bn(mid, cout, 1))
        self.short = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.short(x))


class ResNet(nn.Module):
    """A stem, three stages of ``block`` and a head that pools functionally (no pooling module)."""

    def __init__(self, block: Callable[[int, int, int], nn.Module], widths=(8, 16, 32), act=nn.ReLU):
        super().__init__()
        self.stem = conv_bn(3, widths[0], act=act)
        stages, cin = [], widths[0]
        for i, w in enumerate(widths):
            stages.append(nn.Sequential(block(cin, w, 1 if i == 0 else 2), block(w, w, 1)))
            cin = w
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(cin, NUM_CLASSES)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expansion, depthwise 3x3, linear 1x1 projection, ReLU6."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int = 4, act=nn.ReLU6, se: bool = False):
        super().__init__()
        mid = cin * expand
        self.use_res = stride == 1 and cin == cout
        layers = [conv_bn(cin, mid, 1, act=act), conv_bn(mid, mid, 3, stride, groups=mid, act=act)]
        if se:
            layers.append(SqueezeExcite(mid, act=act))
        self.body = nn.Sequential(*layers, conv_bn(mid, cout, 1))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.use_res else y


class SqueezeExcite(nn.Module):
    def __init__(self, c: int, r: int = 4, act=nn.ReLU):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(nn.Conv2d(c, max(1, c // r), 1), act(), nn.Conv2d(max(1, c // r), c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.fc(self.pool(x))


class SEBasicBlock(BasicBlock):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__(cin, cout, stride)
        self.se = SqueezeExcite(cout)

    def forward(self, x):
        return self.act(self.se(self.conv2(self.conv1(x))) + self.short(x))


class MobileNet(nn.Module):
    """A stem, a chain of blocks ``(cin, cout, stride)``, a 1x1 head conv, global pooling module, classifier."""

    def __init__(self, block, plan, act=nn.ReLU6, head: int = 64):
        super().__init__()
        self.features = nn.Sequential(conv_bn(3, plan[0][0], 3, 1, act=act),
                                      *[block(cin, cout, s) for cin, cout, s in plan],
                                      conv_bn(plan[-1][1], head, 1, act=act))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(head, NUM_CLASSES)

    def forward(self, x):
        return self.classifier(self.pool(self.features(x)).flatten(1))


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


class ShuffleUnit(nn.Module):
    """ShuffleNetV2 unit: split channels, transform one half, concatenate, shuffle (stride 2: both branches)."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.stride = stride
        half = cout // 2
        bin_ = cin if stride == 2 else cin // 2
        self.branch = nn.Sequential(conv_bn(bin_, half, 1, act=nn.ReLU), conv_bn(half, half, 3, stride, groups=half),
                                    conv_bn(half, half, 1, act=nn.ReLU))
        self.side = (nn.Sequential(conv_bn(cin, cin, 3, 2, groups=cin), conv_bn(cin, half, 1, act=nn.ReLU))
                     if stride == 2 else None)

    def forward(self, x):
        if self.stride == 1:
            a, b = x.chunk(2, dim=1)
            out = torch.cat([a, self.branch(b)], 1)
        else:
            out = torch.cat([self.side(x), self.branch(x)], 1)
        return channel_shuffle(out, 2)


class DenseLayer(nn.Module):
    def __init__(self, cin: int, growth: int):
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, growth, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.body(x)], 1)


class DenseNet(nn.Module):
    """DenseNet-like: dense blocks of concatenating layers, transitions (1x1 conv, 2x2 average pooling)."""

    def __init__(self, growth: int = 6, layers: int = 3, c0: int = 8):
        super().__init__()
        mods: list[nn.Module] = [nn.Conv2d(3, c0, 3, padding=1, bias=False)]
        c = c0
        for i in range(3):
            for _ in range(layers):
                mods.append(DenseLayer(c, growth))
                c += growth
            if i < 2:
                mods += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2)]
                c //= 2
        mods += [nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.net = nn.Sequential(*mods)
        self.fc = nn.Linear(c, NUM_CLASSES)

    def forward(self, x):
        return self.fc(self.net(x))


def vgg() -> nn.Module:
    """VGG-like: conv-BN-ReLU pairs and max pooling, flattened into fully connected layers (no global pool)."""
    cfg, layers, c = (8, 8, "M", 16, 16, "M", 32, "M"), [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            c = v
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * 4 * 4, 64), nn.ReLU(inplace=True), nn.Dropout(0.1),
                         nn.Linear(64, NUM_CLASSES))


class DepthwiseSeparable(nn.Module):
    """MobileNetV1: depthwise 3x3 then pointwise 1x1, each with BN and in-place ReLU."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        relu = lambda: nn.ReLU(inplace=True)
        self.dw = conv_bn(cin, cin, 3, stride, groups=cin, act=relu)
        self.pw = conv_bn(cin, cout, 1, act=relu)

    def forward(self, x):
        return self.pw(self.dw(x))


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int = 2):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-2, -1) / (d // self.heads) ** 0.5).softmax(-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, n, d))


class TransformerBlock(nn.Module):
    def __init__(self, dim: int, mlp: int):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim), Attention(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp), nn.GELU(), nn.Linear(mlp, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """A small vision transformer: 4x4 patches, a class token, learned positions, pre-norm blocks."""

    def __init__(self, dim: int = 32, depth: int = 3, patch: int = 4):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, patch, patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, (32 // patch) ** 2 + 1, dim) * 0.02)
        self.blocks = nn.ModuleList(TransformerBlock(dim, 2 * dim) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, NUM_CLASSES)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x)[:, 0])


class MixerBlock(nn.Module):
    def __init__(self, tokens: int, dim: int):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.token_mlp = nn.Sequential(nn.Linear(tokens, 2 * tokens), nn.GELU(), nn.Linear(2 * tokens, tokens))
        self.channel_mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        x = x + self.token_mlp(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


class Mixer(nn.Module):
    """MLP-Mixer: patch embedding, token-mixing and channel-mixing MLPs, mean over tokens."""

    def __init__(self, dim: int = 32, depth: int = 3, patch: int = 4):
        super().__init__()
        tokens = (32 // patch) ** 2
        self.stem = nn.Conv2d(3, dim, patch, patch)
        self.blocks = nn.Sequential(*[MixerBlock(tokens, dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, NUM_CLASSES)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        return self.head(self.norm(self.blocks(x)).mean(1))


class TupleOutput(ResNet):
    """A ResNet whose forward returns (logits, pooled features), as many detection/distillation nets do."""

    def __init__(self):
        super().__init__(BasicBlock)

    def forward(self, x):
        f = torch.flatten(F.adaptive_avg_pool2d(self.stages(self.stem(x)), 1), 1)
        return self.fc(f), f


class DeclaredBlocks(ResNet):
    """A ResNet that names its own feature blocks (``feature_blocks()``): stem and every residual block."""

    def __init__(self):
        super().__init__(BasicBlock)

    def feature_blocks(self) -> list[nn.Module]:
        return [self.stem, *[b for stage in self.stages for b in stage]]


def _mbv2_plan():
    return [(8, 8, 1), (8, 16, 2), (16, 16, 1), (16, 24, 2)]


ZOO: dict[str, Callable[[], nn.Module]] = {
    "resnet_basic": lambda: ResNet(BasicBlock),
    "resnet_bottleneck": lambda: ResNet(lambda cin, cout, s: Bottleneck(cin, cout // 2, cout, s)),
    "resnet_gelu": lambda: ResNet(lambda cin, cout, s: BasicBlock(cin, cout, s, act=nn.GELU), act=nn.GELU),
    "resnet_silu": lambda: ResNet(lambda cin, cout, s: BasicBlock(cin, cout, s, act=nn.SiLU), act=nn.SiLU),
    "resnet_functional": FunctionalResNet,
    "se_resnet": lambda: ResNet(SEBasicBlock),
    "mobilenet_v2": lambda: MobileNet(InvertedResidual, _mbv2_plan()),
    "efficientnet_silu_se": lambda: MobileNet(lambda cin, cout, s: InvertedResidual(cin, cout, s, act=nn.SiLU, se=True),
                                              _mbv2_plan(), act=nn.SiLU),
    "mobilenet_v1_inplace": lambda: MobileNet(DepthwiseSeparable, [(8, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2)],
                                              act=lambda: nn.ReLU(inplace=True)),
    "shufflenet": lambda: MobileNet(ShuffleUnit, [(8, 16, 2), (16, 16, 1), (16, 32, 2), (32, 32, 1)], act=nn.ReLU),
    "densenet": DenseNet,
    "vgg": vgg,
    "vit": ViT,
    "mlp_mixer": Mixer,
    "tuple_output": TupleOutput,
    "declared_blocks": DeclaredBlocks,
}


def zoo_batch(n: int = 8, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded batch of CIFAR-shaped inputs and labels."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, 32, 32, generator=g), torch.arange(n) % NUM_CLASSES
