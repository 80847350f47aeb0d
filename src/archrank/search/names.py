"""The built-in search strategies by name, as ``"module:Class"`` (no imports: the CLI lists them in its help).

:mod:`archrank.search.base` registers each lazily in ``STRATEGIES``; each module also registers its classes
itself when it is imported.
"""

BUILTIN_STRATEGIES = {
    "bananas": "archrank.search.model_based:Bananas",
    "bo": "archrank.search.model_based:GaussianProcessBO",
    "bandit_ucb": "archrank.search.bandit:UCBBandit",
    "bandit_egreedy": "archrank.search.bandit:EpsilonGreedyBandit",
    "qlearning": "archrank.search.bandit:QLearning",
    "enas": "archrank.search.enas:ENASSearch",
    "rea": "archrank.search.evolution:RegularizedEvolution",
    "hierarchical": "archrank.search.hierarchical:HierarchicalSearch",
    "naswot": "archrank.search.naswot_select:NaswotSelect",
    "random": "archrank.search.random:RandomSearch",
    "reinforce": "archrank.search.reinforce:ReinforceFactorized",
    "reinforce_lstm": "archrank.search.reinforce:ReinforceLSTM",
    "zc_warmup": "archrank.search.zero_cost_guided:ZeroCostWarmup",
    "zc_move": "archrank.search.zero_cost_guided:ZeroCostMove",
    "zc_evolution": "archrank.search.zero_cost_guided:ZeroCostWarmupMove",
}
