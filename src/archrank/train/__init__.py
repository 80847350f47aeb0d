"""archrank.train"""
