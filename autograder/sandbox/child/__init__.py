"""The child side of the sandbox: everything that runs in the student's process.

This package is all the student's process gets from the grader (the kernel
layer binds this folder alone, read-only): ``main`` loads the student's
module and runs the probes, ``probes`` calls into TwoLayerNet, ``channel``
encodes what goes back to the grader, ``guards`` is the in-process audit
hook. It depends on numpy and the standard library only, and holds no
reference code and no expected values.
"""
