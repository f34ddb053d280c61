"""placeholder"""
class PeaksResult: pass
def find_peaks(*a, **k): raise NotImplementedError
