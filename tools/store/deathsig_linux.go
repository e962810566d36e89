package store

import "syscall"

// dieWithParent makes the kernel send SIGKILL to the gateway child when the
// process that started it dies (prctl PR_SET_PDEATHSIG, man 2 prctl), so a
// killed storyguard never leaves a gateway holding the store's lock. The
// stdin-EOF exit (--exit-with-stdin) stays as the portable second line.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
