"""archrank.models"""
