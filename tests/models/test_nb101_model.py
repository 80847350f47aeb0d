"""NB101 network: parameter counts equal the benchmark's, and forward passes run."""

from __future__ import annotations

import pickle

import numpy as np
import torch

from archrank.models import build_model
from archrank.models.nb101 import NB101Network, count_parameters, vertex_channels
from archrank.spaces.nb101 import NB101Space

SPACE = NB101Space()


def test_parameter_counts_equal_raw_records(shared_data):
    with open(shared_data / "nb101" / "nb101_raw_records_30.pkl", "rb") as f:
        records = pickle.load(f)
    mismatches = []
    for key, (fixed, _c) in records.items():
        arch = SPACE.make(fixed["module_adjacency"], fixed["module_operations"])
        n = count_parameters(build_model(SPACE, arch, num_classes=10))
        if n != fixed["trainable_parameters"]:
            mismatches.append((key, n, fixed["trainable_parameters"]))
    assert mismatches == [] and len(records) == 30


def test_vertex_channels_split_and_propagate():
    # vertices 1 and 3 feed the output; 2 feeds only 3
    m = np.array(
        [
            [0, 1, 1, 0, 0],
            [0, 0, 0, 0, 1],
            [0, 0, 0, 1, 0],
            [0, 0, 0, 0, 1],
            [0, 0, 0, 0, 0],
        ]
    )
    assert vertex_channels(8, 11, m) == [8, 6, 5, 5, 11]
    assert vertex_channels(8, 16, np.array([[0, 1], [0, 0]])) == [8, 16]


def test_forward_small_network_shapes_and_input_output_cell():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 9, 9)
    for text in [
        "0111,0001,0001,0000|input,conv3x3-bn-relu,maxpool3x3,output",
        "01,00|input,output",
        "0110,0001,0001,0000|input,conv1x1-bn-relu,maxpool3x3,output",
    ]:
        net = build_model(SPACE, SPACE.parse(text), num_classes=7, stem_channels=5, num_stacks=2, cells_per_stack=1)
        assert isinstance(net, NB101Network)
        y = net(x)
        assert y.shape == (2, 7) and torch.isfinite(y).all()
    assert count_parameters(net) > 0


def test_default_network_forward_on_cifar_sized_input():
    torch.manual_seed(0)
    arch = SPACE.parse("0100,0010,0001,0000|input,conv1x1-bn-relu,maxpool3x3,output")
    net = build_model(SPACE, arch).eval()
    with torch.no_grad():
        y = net(torch.randn(1, 3, 32, 32))
    assert y.shape == (1, 10) and torch.isfinite(y).all()
    # resolution 32 -> 16 -> 8 across the three stacks; widths 128, 256, 512
    pools = [m for m in net.features if isinstance(m, torch.nn.MaxPool2d)]
    assert len(pools) == 2 and net.classifier.in_features == 512
