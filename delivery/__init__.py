"""Getting the components into IRIS: the lists of what to load, ``load.sh --offline``'s class writer and the
loader IPM runs inside IRIS (docs/install.md). Plain Python that runs on Python 3.9."""
