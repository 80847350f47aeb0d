"""archrank.store"""
