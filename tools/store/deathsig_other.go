//go:build !linux

package store

import "syscall"

// dieWithParent is a no-op where the kernel has no parent-death signal;
// the child still exits when its stdin closes (--exit-with-stdin).
func dieWithParent(*syscall.SysProcAttr) {}
