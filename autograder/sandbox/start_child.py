"""Entry point of the sandbox child: ``python -E -s start_child.py STAGED_DIR``.

Running this file puts its own folder first on sys.path (-E -s ignore the
environment and the user site; -I would also drop that folder), so the child
package next to it is imported as a package; nothing else of the grader is
needed (or visible, under the kernel layer). ``start_child.py --zygote
CONTROL_FD SECCOMP_FILE`` starts the warm-start loop instead (child/zygote.py).
"""
import sys

if sys.argv[1:2] == ['--zygote']:
    from child.zygote import serve
    serve(int(sys.argv[2]), sys.argv[3])
else:
    from child.main import main
    main()
