"""archrank.execution"""
