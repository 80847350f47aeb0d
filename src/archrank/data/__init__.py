"""archrank.data"""
