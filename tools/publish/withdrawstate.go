package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"storyguard/tools/store"
	"storyguard/tools/vault"
)

// ErrAuditLogBehind is returned, wrapped, when the bucket records a
// withdrawal that the local audit log does not: the log was truncated,
// replaced or restored from an old copy, and the story it forgot could be
// published again (issue #12). Nothing is published; the operator restores
// the log (README, "The audit log").
var ErrAuditLogBehind = errors.New("the bucket records a withdrawal that the local audit log lacks: the audit log was truncated or replaced; nothing was published")

// withdrawalRecordKey is the private object that records, in the bucket,
// that story storyID was withdrawn: state/withdrawals/<h>.json
// (store.WithdrawalPrefix), h the lowercase hex SHA-256 of
// "storyguard-withdrawal-v1\n" and the story id. The id itself is not
// written, so that no stored byte names a withdrawn story (DESIGN.md,
// "Object storage"), yet a log that lacks the withdrawal is recognised.
func withdrawalRecordKey(storyID string) string {
	return store.WithdrawalPrefix + withdrawalHash(storyID) + ".json"
}

func withdrawalHash(storyID string) string {
	sum := sha256.Sum256([]byte("storyguard-withdrawal-v1\n" + storyID))
	return hex.EncodeToString(sum[:])
}

// withdrawalRecord is the body of a record object: the hashed story id
// and the day of the withdrawal, nothing else.
type withdrawalRecord struct {
	Version   int    `json:"version"`
	Story     string `json:"story_sha256"`
	Withdrawn string `json:"withdrawn,omitempty"`
}

// putWithdrawalRecord stores the record of withdrawal e (a withdraw entry
// of the audit log) under withdrawalRecordKey, so that the withdrawal
// survives the loss of the local audit log. The object is under state/,
// which the bucket policy never makes public.
func putWithdrawalRecord(ctx context.Context, st Store, e vault.AuditEntry) error {
	data, err := json.Marshal(withdrawalRecord{Version: 1, Story: withdrawalHash(e.StoryID), Withdrawn: e.Withdrawn})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	_, err = st.Put(ctx, withdrawalRecordKey(e.StoryID), bytes.NewReader(data), int64(len(data)),
		store.Meta{SHA256: hex.EncodeToString(sum[:]), ContentType: "application/json", CacheControl: "no-store"})
	if err != nil {
		return fmt.Errorf("withdrawal record of %s in the bucket: %w", e.StoryID, err)
	}
	return nil
}

// syncWithdrawalRecords compares the bucket's withdrawal records with the
// audit log at logPath. A withdrawal the bucket records that the log does
// not is an error wrapping ErrAuditLogBehind, with their count; otherwise
// every withdrawal of the log missing from the bucket is recorded there
// (putWithdrawalRecord), so the bucket learns of withdrawals made before
// it kept records or against another store. A record object whose key is
// not <64 hex>.json is an error.
func syncWithdrawalRecords(ctx context.Context, st Store, logPath string) error {
	objs, err := st.List(ctx, store.WithdrawalPrefix)
	if err != nil {
		return fmt.Errorf("withdrawal records in the bucket: %w", err)
	}
	entries, err := vault.WithdrawEntries(logPath)
	if err != nil {
		return err
	}
	local := map[string]vault.AuditEntry{} // by withdrawalHash, the latest entry of each story
	for _, e := range entries {
		local[withdrawalHash(e.StoryID)] = e
	}
	inBucket := map[string]bool{}
	missing := 0
	for k := range objs {
		h, ok := strings.CutSuffix(strings.TrimPrefix(k, store.WithdrawalPrefix), ".json")
		if !ok || !vault.SHA256Pattern.MatchString(h) {
			return fmt.Errorf("withdrawal records in the bucket: an object under %s is not <sha256>.json", store.WithdrawalPrefix)
		}
		inBucket[h] = true
		if _, ok := local[h]; !ok {
			missing++
		}
	}
	if missing > 0 {
		return fmt.Errorf("%w: %d withdrawal(s) recorded in the bucket are absent from %s", ErrAuditLogBehind, missing, logPath)
	}
	hs := make([]string, 0, len(local))
	for h := range local {
		hs = append(hs, h)
	}
	slices.Sort(hs)
	for _, h := range hs {
		if !inBucket[h] {
			if err := putWithdrawalRecord(ctx, st, local[h]); err != nil {
				return err
			}
		}
	}
	return nil
}
