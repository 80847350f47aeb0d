"""archrank.search"""
