"""archrank.benchmarks"""
