package desk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"storyguard/tools/consent"
)

// Receipt is the consent receipt of one approval (DESIGN.md "Receipts"),
// shaped after Kantara Initiative Consent Receipt v1.1 (its field names
// where they fit) and ISO/IEC 27560: no real name, no story text.
type Receipt struct {
	Version        string    `json:"version"`          // Kantara CR "version"
	ReceiptID      string    `json:"consentReceiptID"` // "cr-" and 16 hex digits
	Timestamp      time.Time `json:"consentTimestamp"` // the approval's time, UTC
	Method         string    `json:"collectionMethod"` // how it was given
	Language       string    `json:"language"`         // of the approved text
	StoryID        string    `json:"storyID"`
	Byline         string    `json:"byline"` // as printed; "" for no name
	Channels       []string  `json:"channels"`
	Languages      []string  `json:"languages"`
	Identifiers    []string  `json:"identifiersShown"` // what may show beyond her words: none in the desk's answers
	SearchEngines  bool      `json:"searchEngines"`
	Termination    string    `json:"termination"` // YYYY-MM-DD: consent.expires
	Fingerprint    string    `json:"textFingerprint"`
	Digest         string    `json:"approvedSha256"` // review.approved_sha256
	ReadAloud      bool      `json:"readAloud"`
	Sensitive      bool      `json:"sensitive"` // Kantara CR: the story concerns sensitive personal data
	HowToWithdraw  string    `json:"howToWithdraw"`
	NotRecoverable string    `json:"notRecoverable"`
}

// receiptFor returns the receipt of st's approval in lang in the words of
// msgLang, and false when the text has no current approval under a given
// consent. It shows the answers she approved with (Approval.Answers).
func (s *Server) receiptFor(st Story, lang, person, msgLang string) (Receipt, bool) {
	ap, ok := st.approved(lang, person)
	if !ok || ap.Answers.status() != consent.Given {
		return Receipt{}, false
	}
	a := ap.Answers // what she approved, never answers saved since
	display, _ := a.byline()
	given := consent.Day(a.At.UTC())
	h := sha256.Sum256([]byte(st.ID + "\n" + lang + "\n" + ap.Digest + "\n" + ap.At.UTC().Format(time.RFC3339Nano)))
	method := "desk, alone"
	if a.WithStaff || ap.ReadAloud {
		method = "desk, with staff"
	}
	return Receipt{
		Version: "KI-CR-v1.1.0", ReceiptID: "cr-" + hex.EncodeToString(h[:8]), Timestamp: ap.At.UTC(), Method: method,
		Language: lang, StoryID: st.ID, Byline: display, Channels: slices.Clone(a.Channels), Languages: slices.Clone(a.Languages),
		Identifiers: []string{}, SearchEngines: a.Search == "yes",
		Termination: given.AddDate(min(max(a.TermYears, 1), consent.MaxTermYears), 0, 0).Format(time.DateOnly),
		Fingerprint: Fingerprint(ap.Digest), Digest: ap.Digest, ReadAloud: ap.ReadAloud, Sensitive: true,
		HowToWithdraw:  s.msgs.text(msgLang, "receipt_stop"),
		NotRecoverable: s.msgs.text(msgLang, "stop_honest"),
	}, true
}

// receiptRoute serves /stories/{id}/receipt and /stories/{id}/receipt.json
// (one pattern: Go's patterns cannot end a segment with a literal
// suffix); anything else under {format} is 404.
func (s *Server) receiptRoute(w http.ResponseWriter, r *http.Request, q *req) {
	switch r.PathValue("format") {
	case "receipt", "receipt.json":
		s.receipt(w, r, q)
	default:
		s.notFound(w, r, q)
	}
}

// receipt shows the consent receipt on screen (printable) or, at
// receipt.json, as JSON. Never e-mailed.
func (s *Server) receipt(w http.ResponseWriter, r *http.Request, q *req) {
	person, err := s.person(r, q.story)
	if err != nil {
		s.failed(w, r, q, "receipt", err)
		return
	}
	lang := storyLang(r, q.story, q.lang)
	rc, ok := s.receiptFor(*q.story, lang, person, q.lang)
	if r.PathValue("format") == "receipt.json" {
		if !ok {
			s.notFound(w, r, q)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(rc)
		return
	}
	v := &view{Lang: q.lang, Account: q.acct}
	if !ok {
		v.Notice = "receipt_none"
	}
	s.render(w, r, http.StatusOK, "receipt", v.with(struct {
		Receipt
		OK   bool
		Lang string
	}{rc, ok, lang}))
}
