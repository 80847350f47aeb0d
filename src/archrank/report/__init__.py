"""archrank.report"""
