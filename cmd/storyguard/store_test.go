package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScriptsStore runs cmd/storyguard/testdata/script/store/*.txtar: the
// store subcommands end to end, the embedded gateway started as a real
// child process of the storyguard command.
func TestScriptsStore(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script/store"})
}
