package vault

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The withdrawal levels are recorded with ids, role and time only; a
// refused action is never echoed, and does not count as a withdrawal.
func TestAppendAuditLevels(t *testing.T) {
	log := filepath.Join(t.TempDir(), "audit.log")
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for _, a := range []string{ActionStopNewUses, ActionErase} {
		if err := AppendAudit(log, AuditEntry{Time: now, Action: a, StoryID: "st-7q2k9m", Role: "storyteller", Result: "complete"}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		if err := AppendAudit(log, AuditEntry{Time: now, Action: a, Role: "storyteller", Result: "complete"}); err == nil {
			t.Errorf("%s without a story id was accepted", a)
		}
	}
	err := AppendAudit(log, AuditEntry{Time: now, Action: "Ana Pérez", StoryID: "st-7q2k9m", Role: "storyteller", Result: "complete"})
	if err == nil || strings.Contains(err.Error(), "Ana") {
		t.Errorf("bad action: err %v, want a refusal that does not echo it", err)
	}
	data, _ := os.ReadFile(log)
	if got := strings.Count(string(data), "\n"); got != 2 {
		t.Errorf("%d lines, want 2:\n%s", got, data)
	}
	stories, _, err := Withdrawals(log)
	if err != nil {
		t.Fatal(err)
	}
	if stories["st-7q2k9m"] {
		t.Error("stop-new-uses and erase entries count as a takedown: check would refuse a story whose live pages must stay")
	}
}
