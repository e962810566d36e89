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

// withdrawalRecordKey is the private object that keeps, in the bucket, a
// copy of what the audit log keeps of one withdrawal (store.WithdrawalPrefix).
func withdrawalRecordKey(storyID string) string {
	return store.WithdrawalPrefix + storyID + ".json"
}

// putWithdrawalRecord stores e (a withdraw entry of the audit log: ids,
// digests, counts, a role and a fixed reason, never text) under
// withdrawalRecordKey, so that the withdrawal survives the loss of the
// local audit log. The object is under state/, which the bucket policy
// never makes public.
func putWithdrawalRecord(ctx context.Context, st Store, e vault.AuditEntry) error {
	data, err := json.Marshal(e)
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
// audit log at logPath. A story the bucket records as withdrawn that the
// log does not is an error wrapping ErrAuditLogBehind naming the story
// ids; otherwise every withdrawal of the log missing from the bucket is
// copied there (putWithdrawalRecord of its latest entry), so the bucket
// learns of withdrawals made before it kept records. A record object
// whose key is not a story id is an error naming the key.
func syncWithdrawalRecords(ctx context.Context, st Store, logPath string) error {
	objs, err := st.List(ctx, store.WithdrawalPrefix)
	if err != nil {
		return fmt.Errorf("withdrawal records in the bucket: %w", err)
	}
	entries, err := vault.WithdrawEntries(logPath)
	if err != nil {
		return err
	}
	local := map[string]vault.AuditEntry{}
	for _, e := range entries {
		local[e.StoryID] = e // the latest entry of each story
	}
	inBucket := map[string]bool{}
	var missing []string
	for k := range objs {
		id, ok := strings.CutSuffix(strings.TrimPrefix(k, store.WithdrawalPrefix), ".json")
		if !ok || !vault.StoryIDPattern.MatchString(id) {
			return fmt.Errorf("withdrawal records in the bucket: an object under %s is not <story id>.json", store.WithdrawalPrefix)
		}
		inBucket[id] = true
		if _, ok := local[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("%w: story %s withdrawn according to the bucket, absent from %s", ErrAuditLogBehind, strings.Join(missing, ", "), logPath)
	}
	ids := make([]string, 0, len(local))
	for id := range local {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if !inBucket[id] {
			if err := putWithdrawalRecord(ctx, st, local[id]); err != nil {
				return err
			}
		}
	}
	return nil
}
