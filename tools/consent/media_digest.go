package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// MediaDigestVersion is the first line hashed by MediaApprovalDigest;
// changing what is hashed means a new version.
const MediaDigestVersion = "storyguard-media-approval-v1"

// MediaApprovalDigest returns what review.approved_media_sha256 holds: the
// lowercase hex SHA-256 of MediaDigestVersion "\n" followed, for each id of
// the page's media list in order, by the id "\n" and the lowercase hex
// SHA-256 of that medium's original file, as fileSum reports it, "\n".
//
// ApprovalDigest covers a medium's id, alt text and caption only; this
// digest pins the photo itself, so a file replaced in the vault behind an
// unchanged id (a new crop, another photo, one that shows a face) blocks
// publication until the storyteller has seen it and approves again. Errors
// are fileSum's, wrapped with the media id.
func MediaApprovalDigest(ids []string, fileSum func(id string) (string, error)) (string, error) {
	h := sha256.New()
	io.WriteString(h, MediaDigestVersion+"\n")
	for _, id := range ids {
		sum, err := fileSum(id)
		if err != nil {
			return "", fmt.Errorf("media %s: %w", id, err)
		}
		fmt.Fprintf(h, "%s\n%s\n", id, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
