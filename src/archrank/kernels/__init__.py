"""archrank.kernels"""
