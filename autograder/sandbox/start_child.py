"""Entry point of the sandbox child: ``python -E -s start_child.py STAGED_DIR``.

Running this file puts its own folder first on sys.path (-E -s ignore the
environment and the user site; -I would also drop that folder), so the child
package next to it is imported as a package; nothing else of the grader is
needed (or visible, under the kernel layer).
"""
from child.main import main

main()
