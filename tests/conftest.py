import os

# Tests run on 2 cores: one numba thread per process keeps process-pool tests honest.
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
