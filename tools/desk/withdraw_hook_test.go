package desk

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// With Config.Withdraw set, stop sharing runs it with her story, level and
// account, and she reads, in her language, that it is done at that level,
// or, when it fails, that her request is saved and the rest is pending
// (the request stays recorded).
func TestStopSharingRunsTheWithdrawal(t *testing.T) {
	for _, tc := range []struct {
		level   string
		fail    bool
		notice  string
		landing string
	}{
		{StopNewUses, false, "stop_done_stop_new_uses", "/stop?n=done-" + StopNewUses},
		{TakeDown, false, "stop_done_take_down", "/stop?n=done-" + TakeDown},
		{TakeDown, true, "stop_pending", "/stop?n=stop-pending"},
		{TakeDownDelete, false, "stop_done_take_down_delete", "/stories?n=done-" + TakeDownDelete},
	} {
		t.Run(tc.level, func(t *testing.T) {
			d := newTestDesk(t)
			var got []string
			d.srv.cfg.Withdraw = func(_ context.Context, storyID, level, by string) error {
				got = append(got, storyID, level, by)
				if tc.fail {
					return errors.New("gateway down")
				}
				return nil
			}
			c := d.client("es")
			c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
			id := c.newStory("es", "Título", "Texto.")
			r := c.post("/stories/"+id+"/stop", url.Values{"level": {tc.level}, "confirm": {"1"}})
			if r.status != http.StatusSeeOther || !strings.HasSuffix(r.location(), tc.landing) {
				t.Fatalf("stop: %d to %q, want a redirect ending %q", r.status, r.location(), tc.landing)
			}
			if strings.Join(got, " ") != id+" "+tc.level+" a-ana" {
				t.Errorf("Withdraw called with %v", got)
			}
			if w := mustStory(t, d, id).Withdrawal; w == nil || w.Level != tc.level {
				t.Errorf("her request is not recorded: %+v", w)
			}
			p := c.get(r.location())
			if want := d.srv.msgs.text("es", tc.notice); !strings.Contains(p.body, want) {
				t.Errorf("the page does not say %q", want)
			}
			if strings.Contains(p.body, "gateway down") {
				t.Error("the error's text reached her page")
			}
		})
	}
}
