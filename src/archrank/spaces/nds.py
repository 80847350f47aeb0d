"""The five NAS cell design spaces of NDS ("On Network Design Spaces for Visual Recognition",
Radosavovic et al., ICCV 2019), ImageNet versions.

Each space is a vocabulary, a node count and a concat rule (as in the paper's table of NAS design spaces and
its published model code, pycls ``models/nas``); every node reads two states chosen independently (the
same state may feed both edges, as the records show) and adds the two results:

============  =====  ======  ==========================================================================
space         nodes  concat  operations
============  =====  ======  ==========================================================================
nds_nasnet    5      loose   13: identity, 1x3+3x1 / 1x7+7x1 / 1x1 / 3x3 conv, 3x3 dilated sep conv,
                             3x3 avg pool, 3x3 / 5x5 / 7x7 max pool, 3x3 / 5x5 / 7x7 sep conv
nds_amoeba    5      loose   8: identity, 3x3 / 5x5 / 7x7 sep conv, 3x3 avg / max pool,
                             3x3 dilated sep conv (two layers), 1x7+7x1 conv
nds_pnas      5      all     8: 3x3 / 5x5 / 7x7 sep conv, 1x7+7x1 conv, identity, 3x3 avg / max pool,
                             3x3 dilated sep conv
nds_enas      5      loose   5: identity, 3x3 / 5x5 sep conv, 3x3 avg / max pool
nds_darts     4      all     8: none (zero), 3x3 max / avg pool, identity, 3x3 / 5x5 sep conv,
                             3x3 / 5x5 dilated sep conv
============  =====  ======  ==========================================================================

An architecture also carries the network's ``width`` (channels of the first stage) and ``depth`` (number
of cells); sampling draws them from the values in the published ImageNet records (widths 32 to 96, depths
6 to 22).  The records' ``net`` objects parse with :meth:`~DartsCellSpace.from_json` or as JSON text.
"""

from __future__ import annotations

from archrank.spaces import register_space
from archrank.spaces.darts_cells import DartsCellSpace

#: Widths and depths of the NDS ImageNet records (DARTS_in.json, ENAS_in.json).
NDS_WIDTHS: tuple[int, ...] = (32, 48, 64, 80, 96)
NDS_DEPTHS: tuple[int, ...] = (6, 10, 14, 18, 22)

NASNET_OPS: tuple[str, ...] = (
    "skip_connect", "conv_3x1_1x3", "conv_7x1_1x7", "dil_conv_3x3", "avg_pool_3x3", "max_pool_3x3",
    "max_pool_5x5", "max_pool_7x7", "conv_1x1", "conv_3x3", "sep_conv_3x3", "sep_conv_5x5", "sep_conv_7x7",
)
AMOEBA_OPS: tuple[str, ...] = (
    "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "sep_conv_7x7", "avg_pool_3x3", "max_pool_3x3",
    "dil_sep_conv_3x3", "conv_7x1_1x7",
)
PNAS_OPS: tuple[str, ...] = (
    "sep_conv_3x3", "sep_conv_5x5", "sep_conv_7x7", "conv_7x1_1x7", "skip_connect", "avg_pool_3x3",
    "max_pool_3x3", "dil_conv_3x3",
)
ENAS_OPS: tuple[str, ...] = ("skip_connect", "sep_conv_3x3", "sep_conv_5x5", "avg_pool_3x3", "max_pool_3x3")
DARTS_OPS: tuple[str, ...] = (
    "none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
    "dil_conv_5x5",
)


class NDSSpace(DartsCellSpace):
    """Common settings of the NDS spaces: independent inputs, sampled width and depth, ImageNet network."""

    distinct_inputs = False
    widths = NDS_WIDTHS
    depths = NDS_DEPTHS
    default_dataset = "imagenet"


class NDSNASNetSpace(NDSSpace):
    """NDS NASNet design space: 5 nodes, 13 operations, loose ends concatenated; ImageNet network."""

    name = "nds_nasnet"
    ops = NASNET_OPS
    num_nodes = 5
    concat_rule = "loose"


class NDSAmoebaSpace(NDSSpace):
    """NDS AmoebaNet design space: 5 nodes, 8 operations, loose ends concatenated; ImageNet network."""

    name = "nds_amoeba"
    ops = AMOEBA_OPS
    num_nodes = 5
    concat_rule = "loose"


class NDSPNASSpace(NDSSpace):
    """NDS PNAS design space: 5 nodes, 8 operations, all nodes concatenated; ImageNet network."""

    name = "nds_pnas"
    ops = PNAS_OPS
    num_nodes = 5
    concat_rule = "all"


class NDSENASSpace(NDSSpace):
    """NDS ENAS design space: 5 nodes, 5 operations, loose ends concatenated; ImageNet network."""

    name = "nds_enas"
    ops = ENAS_OPS
    num_nodes = 5
    concat_rule = "loose"


class NDSDartsSpace(NDSSpace):
    """NDS DARTS design space: 4 nodes, 8 operations with none, all nodes concatenated; ImageNet network."""

    name = "nds_darts"
    ops = DARTS_OPS
    num_nodes = 4
    concat_rule = "all"


register_space("nds_amoeba", NDSAmoebaSpace)
register_space("nds_darts", NDSDartsSpace)
register_space("nds_enas", NDSENASSpace)
register_space("nds_nasnet", NDSNASNetSpace)
register_space("nds_pnas", NDSPNASSpace)

__all__ = [
    "AMOEBA_OPS", "DARTS_OPS", "ENAS_OPS", "NASNET_OPS", "NDS_DEPTHS", "NDS_WIDTHS", "PNAS_OPS",
    "NDSAmoebaSpace", "NDSDartsSpace", "NDSENASSpace", "NDSNASNetSpace", "NDSPNASSpace", "NDSSpace",
]
