package identity

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// Errors OpenRegistry and LoadIdentities return, wrapped with the file
// concerned. Callers tell them apart with errors.Is; every one of them must
// stop check and publish (fail closed).
var (
	// ErrNoIdentity: neither STORYGUARD_AGE_IDENTITY nor an identity file
	// was given, or the one given holds no usable identity.
	ErrNoIdentity = errors.New("no age identity to decrypt the registry")
	// ErrRegistryMissing: the registry file does not exist.
	ErrRegistryMissing = errors.New("registry not found")
	// ErrRegistryPlaintext: the file is not age-encrypted (no age header).
	ErrRegistryPlaintext = errors.New("registry is not age-encrypted")
	// ErrWrongKey: the file is age-encrypted, but to none of the identities.
	ErrWrongKey = errors.New("registry is not encrypted to this age identity")
	// ErrRegistryCorrupt: the age header or payload is damaged or cut short.
	ErrRegistryCorrupt = errors.New("registry is truncated or corrupt")
	// ErrRegistryTracked: git tracks the file, and it is not the demo
	// registry under examples/vault declaring demo: true.
	ErrRegistryTracked = errors.New("registry is tracked by git")
	// ErrDemoKey: a registry declaring demo: false lists DemoRecipient
	// among its recipients or decrypts with the demo identity, whose secret
	// key is public. Also returned when saving such a registry.
	ErrDemoKey = errors.New("a real registry must never be encrypted to the public demo key")
	// ErrIdentityInRepo: a registry declaring demo: false was decrypted
	// with an identity from a file that lies inside a git work tree (where
	// it may be committed, like the demo key).
	ErrIdentityInRepo = errors.New("age identity file lies inside a git work tree")
)

// DemoRecipient is the age X25519 recipient of the demo identity,
// examples/vault/demo-identity.txt (its "# public key:" line). That file's
// secret key is committed to the repository and therefore public: only the
// fictional demo registry (demo: true) may be encrypted to it.
const DemoRecipient = "age1mfykkre9yxmxhxs2vmsr2hpfsd3kul95je9xumsxntnkyz63vqasxztyya"

// IsDemoRecipient reports whether the recipient string rc is
// DemoRecipient (Bech32 is case-insensitive, BIP 173; surrounding space is
// ignored).
func IsDemoRecipient(rc string) bool {
	return strings.EqualFold(strings.TrimSpace(rc), DemoRecipient)
}

// CheckDemoKey returns an error wrapping ErrDemoKey, naming name and the
// index of the recipient, when a registry that is not the demo (demo
// false) lists DemoRecipient among recipients; nil otherwise.
func CheckDemoKey(name string, demo bool, recipients []string) error {
	if demo {
		return nil
	}
	for i, rc := range recipients {
		if IsDemoRecipient(rc) {
			return fmt.Errorf("%w: %s: recipients[%d] is the demo recipient (examples/vault/demo-identity.txt) and the registry says demo: false", ErrDemoKey, name, i)
		}
	}
	return nil
}

// InsideWorkTree reports whether dir (or its nearest existing parent) lies
// in a git work tree: when dir or one of its parents holds a ".git" entry
// (so it fails closed without git, or when git refuses a repository of
// another owner), or when `git rev-parse --is-inside-work-tree` says so.
func InsideWorkTree(dir string) bool {
	if abs, err := filepath.Abs(dir); err == nil {
		for d := abs; ; d = filepath.Dir(d) {
			if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
				return true
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--is-inside-work-tree").Output()
	return err == nil && strings.TrimSpace(string(out)) == "true"
}

// fileIdentity is an identity LoadIdentities read from a file, remembering
// the file and whether it lies inside a git work tree.
type fileIdentity struct {
	age.Identity
	file   string
	inRepo bool
}

// isDemoIdentity reports whether id (possibly wrapped by LoadIdentities)
// is the demo X25519 identity.
func isDemoIdentity(id age.Identity) bool {
	if f, ok := id.(*fileIdentity); ok {
		id = f.Identity
	}
	x, ok := id.(*age.X25519Identity)
	return ok && x.Recipient().String() == DemoRecipient
}

// EnvIdentity and EnvIdentityFile are the environment variables
// LoadIdentities reads.
const (
	EnvIdentity     = "STORYGUARD_AGE_IDENTITY"
	EnvIdentityFile = "STORYGUARD_AGE_IDENTITY_FILE"
)

// LoadIdentities returns the age identities that decrypt the registry, from,
// in order: the secret key text in STORYGUARD_AGE_IDENTITY (getenv), the
// identity file named by file (the --identity-file flag, or the config's
// IdentityFile), the file named in STORYGUARD_AGE_IDENTITY_FILE. The file
// holds lines "AGE-SECRET-KEY-1..." with "#" comments (age's identity file
// format). Nothing is looked up by default, least of all in the repository.
// Errors wrap ErrNoIdentity and never contain key material. Identities read
// from a file remember it and whether it lies inside a git work tree
// (InsideWorkTree): OpenRegistry refuses them for a registry that is not the
// demo.
func LoadIdentities(file string, getenv func(string) string) ([]age.Identity, error) {
	if text := strings.TrimSpace(getenv(EnvIdentity)); text != "" {
		ids, err := age.ParseIdentities(strings.NewReader(text + "\n"))
		if err != nil {
			return nil, fmt.Errorf("%w: %s holds no valid age secret key", ErrNoIdentity, EnvIdentity)
		}
		return ids, nil
	}
	if file == "" {
		file = getenv(EnvIdentityFile)
	}
	if file == "" {
		return nil, fmt.Errorf("%w: set %s to the secret key, or %s or --identity-file to a key file outside the repository", ErrNoIdentity, EnvIdentity, EnvIdentityFile)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		// The path is not repeated: it failed, and may be anything typed
		// by mistake, a name included (issue #12).
		return nil, fmt.Errorf("%w: read the identity file (--identity-file or %s): %w", ErrNoIdentity, EnvIdentityFile, errors.Unwrap(err))
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: the identity file (--identity-file or %s) holds no valid age secret key", ErrNoIdentity, EnvIdentityFile)
	}
	inRepo := InsideWorkTree(filepath.Dir(file))
	for i, id := range ids {
		ids[i] = &fileIdentity{Identity: id, file: file, inRepo: inRepo}
	}
	return ids, nil
}

// errRegistryMissing is ErrRegistryMissing for path, naming the file but
// not the folder, which does not hold it and may be anything typed by
// mistake, a name included (issue #12).
func errRegistryMissing(path string) error {
	return fmt.Errorf("%w: no %s in the vault folder given", ErrRegistryMissing, filepath.Base(path))
}

const (
	ageMagic   = "age-encryption.org/"
	armorMagic = "-----BEGIN AGE ENCRYPTED FILE-----"
)

// OpenRegistry reads, checks, decrypts, verifies and parses the registry
// at path. It fails closed, in this order, with errors wrapping:
//
//   - ErrRegistryMissing when the file does not exist;
//   - ErrRegistryTracked when git tracks it (asked with `git ls-files
//     --error-unmatch` in the file's folder, when git is installed and the
//     folder is in a work tree), unless it lies under examples/vault/ of that
//     repository and, once decrypted, declares demo: true;
//   - ErrRegistryPlaintext when it does not start with an age header
//     (binary or ASCII-armored);
//   - ErrNoIdentity when ids is empty;
//   - ErrWrongKey when it is encrypted to none of ids;
//   - ErrRegistryCorrupt when the header or payload is damaged or truncated;
//   - ErrRegistryUnsigned when no seal of one of ids verifies over the
//     decrypted text (see seal.go: a registry encrypted by someone who
//     knows only the recipient);
//   - ErrInvalid when the YAML is bad (file, line and field named);
//   - ErrDemoKey when it declares demo: false but lists DemoRecipient or
//     was decrypted with the demo identity;
//   - ErrIdentityInRepo when it declares demo: false and one of ids was
//     read by LoadIdentities from a file inside a git work tree.
//
// A demo registry (demo: true) is a fictional one: the demo key and a key
// file in the repository may open it.
func OpenRegistry(path string, ids []age.Identity) (*Registry, error) {
	reg, body, err := openRegistry(path, ids, openOptions{strict: true, verify: true})
	clear(body)
	return reg, err
}

// OpenRegistryForRekey is OpenRegistry without the ErrDemoKey and
// ErrIdentityInRepo refusals, for `storyguard registry rekey` only: it
// lets a registry caught on the demo key or on a key inside the repository
// be re-encrypted to new recipients (which SealRegistry checks in turn).
// The seal is still verified.
func OpenRegistryForRekey(path string, ids []age.Identity) (*Registry, error) {
	reg, body, err := openRegistry(path, ids, openOptions{verify: true})
	clear(body)
	return reg, err
}

// ReadRegistryText is OpenRegistry that also returns the verified registry
// text without its seal lines (the YAML as its author wrote it), for
// `storyguard registry edit`. The caller clears the text after use.
func ReadRegistryText(path string, ids []age.Identity) (*Registry, []byte, error) {
	return openRegistry(path, ids, openOptions{strict: true, verify: true})
}

type openOptions struct {
	strict bool // refuse the demo key and identities inside a work tree
	verify bool // refuse without a valid seal of one of ids
}

func openRegistry(path string, ids []age.Identity, opt openOptions) (*Registry, []byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, errRegistryMissing(path)
		}
		return nil, nil, fmt.Errorf("read registry %s: %w", path, err)
	}
	tracked, demoPlace, err := gitTracked(path)
	if err != nil {
		return nil, nil, err
	}
	if tracked && !demoPlace {
		return nil, nil, fmt.Errorf("%w: %s: a real registry lives in the gitignored vault (private/), never in git", ErrRegistryTracked, path)
	}
	plain, matched, err := decrypt(path, raw, ids)
	if err != nil {
		return nil, nil, err
	}
	body, seals, err := SplitSeals(plain)
	if err != nil {
		clear(plain)
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrRegistryUnsigned, path, err)
	}
	if opt.verify {
		if err := verifySeals(path, body, seals, ids); err != nil {
			clear(plain)
			return nil, nil, err
		}
	}
	reg, err := ParseRegistry(path, body)
	if err != nil {
		clear(plain)
		return nil, nil, err
	}
	if tracked && !reg.Demo {
		clear(plain)
		return nil, nil, fmt.Errorf("%w: %s: only the demo registry (demo: true) may be committed", ErrRegistryTracked, path)
	}
	if opt.strict && !reg.Demo {
		fail := func(err error) (*Registry, []byte, error) { clear(plain); return nil, nil, err }
		if err := CheckDemoKey(path, reg.Demo, reg.Recipients); err != nil {
			return fail(err)
		}
		if isDemoIdentity(matched) {
			return fail(fmt.Errorf("%w: %s decrypts with the demo identity (examples/vault/demo-identity.txt) and says demo: false", ErrDemoKey, path))
		}
		for _, id := range ids {
			if f, ok := id.(*fileIdentity); ok && f.inRepo {
				return fail(fmt.Errorf("%w: %s: refusing to open %s, which says demo: false", ErrIdentityInRepo, f.file, path))
			}
		}
	}
	return reg, body, nil
}

// Decrypt decrypts an age file's bytes (binary or armored) with ids. name is
// the file name for errors. See OpenRegistry for the errors.
func Decrypt(name string, raw []byte, ids []age.Identity) ([]byte, error) {
	plain, _, err := decrypt(name, raw, ids)
	return plain, err
}

// recorder wraps an identity and records whether it unwrapped the file key.
type recorder struct {
	age.Identity
	hit bool
}

func (r *recorder) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	k, err := r.Identity.Unwrap(stanzas)
	r.hit = err == nil && k != nil
	return k, err
}

// decrypt is Decrypt that also returns the identity that opened the file.
func decrypt(name string, raw []byte, ids []age.Identity) ([]byte, age.Identity, error) {
	plain, recs, err := decryptRecorded(name, raw, ids)
	for i, r := range recs {
		if r.hit {
			return plain, ids[i], err
		}
	}
	return plain, nil, err
}

func decryptRecorded(name string, raw []byte, ids []age.Identity) ([]byte, []*recorder, error) {
	recs := make([]*recorder, len(ids))
	wrapped := make([]age.Identity, len(ids))
	for i, id := range ids {
		recs[i] = &recorder{Identity: id}
		wrapped[i] = recs[i]
	}
	plain, err := decryptWith(name, raw, wrapped)
	return plain, recs, err
}

func decryptWith(name string, raw []byte, ids []age.Identity) ([]byte, error) {
	var src io.Reader = bytes.NewReader(raw)
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	switch {
	case bytes.HasPrefix(raw, []byte(ageMagic)):
	case bytes.HasPrefix(trimmed, []byte(armorMagic)):
		src = armor.NewReader(bytes.NewReader(trimmed))
	default:
		return nil, fmt.Errorf("%w: %s has no age header (is it plaintext?)", ErrRegistryPlaintext, name)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: decrypt %s", ErrNoIdentity, name)
	}
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) || errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, fmt.Errorf("%w: %s", ErrWrongKey, name)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrRegistryCorrupt, name, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		clear(plain)
		return nil, fmt.Errorf("%w: %s: %v", ErrRegistryCorrupt, name, err)
	}
	return plain, nil
}

// gitTracked asks git whether path is tracked, and whether it lies under
// examples/vault/ of its repository. No git, or no repository: not tracked.
func gitTracked(path string) (tracked, demoPlace bool, err error) {
	git, lookErr := exec.LookPath("git")
	if lookErr != nil {
		return false, false, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false, false, fmt.Errorf("registry %s: %w", path, err)
	}
	dir, base := filepath.Split(abs)
	top, err := exec.Command(git, "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return false, false, nil // not in a work tree
	}
	cmd := exec.Command(git, "-C", dir, "ls-files", "--error-unmatch", "--", base)
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return false, false, nil // exit 1: not tracked
		}
		return false, false, fmt.Errorf("registry %s: ask git whether it is tracked: %w", path, err)
	}
	root, err := filepath.EvalSymlinks(strings.TrimSpace(string(top)))
	if err != nil {
		return true, false, nil
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return true, false, nil
	}
	rel, err := filepath.Rel(root, real)
	if err != nil {
		return true, false, nil
	}
	return true, filepath.ToSlash(filepath.Dir(rel)) == "examples/vault", nil
}

// Encrypt encrypts plain to the registry's recipients (age X25519 or any
// recipient age.ParseRecipients accepts), binary format.
func Encrypt(plain []byte, recipients []string) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, errors.New("encrypt registry: no recipients")
	}
	rs, err := ParseRecipients(recipients)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rs...)
	if err != nil {
		return nil, fmt.Errorf("encrypt registry: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("encrypt registry: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt registry: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseRecipients parses age recipient strings ("age1..."), one per entry.
func ParseRecipients(recipients []string) ([]age.Recipient, error) {
	var out []age.Recipient
	for i, s := range recipients {
		rs, err := age.ParseRecipients(strings.NewReader(s + "\n"))
		if err != nil || len(rs) == 0 {
			return nil, fmt.Errorf("recipients[%d]: not an age recipient", i)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// SaveRegistry validates reg, encrypts it to reg.Recipients, seals it with
// those of ids that are among them (see seal.go) and replaces path
// atomically (a temporary file in the same folder, synced, renamed over
// path; mode 0600). On any error path is left as it was; a registry
// saying demo: false with DemoRecipient among its recipients is refused
// with ErrDemoKey. YAML comments of an earlier version are not kept (see
// SealRegistry).
func SaveRegistry(path string, reg *Registry, ids []age.Identity) error {
	if err := reg.Validate(); err != nil {
		return err
	}
	plain, err := reg.Marshal()
	if err != nil {
		return err
	}
	defer clear(plain)
	_, err = SealRegistry(path, plain, ids)
	return err
}

// SealRegistry parses and validates registry YAML text, seals it with each
// of ids whose recipient the text lists (seal lines already in the text are
// dropped and written anew), then encrypts it (comments and layout kept) to
// the recipients it lists and replaces path atomically, as SaveRegistry
// does. Invalid text returns an ErrInvalid error (naming path, line and
// field) and leaves path untouched; malformed seal lines an ErrInvalid
// error naming the line; a registry saying demo: false that lists
// DemoRecipient returns an ErrDemoKey error and leaves path untouched.
// Recipients none of ids belongs to get no seal: their holders cannot
// open the file until one of them runs `storyguard registry sign`
// (Unsealed lists them).
func SealRegistry(path string, plain []byte, ids []age.Identity) (*Registry, error) {
	body, _, err := SplitSeals(plain)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
	}
	reg, err := ParseRegistry(path, body)
	if err != nil {
		return nil, err
	}
	if err := CheckDemoKey(path, reg.Demo, reg.Recipients); err != nil {
		return nil, err
	}
	if len(reg.Recipients) == 0 {
		return nil, fmt.Errorf("%w: %s: recipients: at least one age recipient is needed to encrypt the registry", ErrInvalid, path)
	}
	sealed, _ := signBody(body, ids, reg.Recipients)
	defer clear(sealed)
	ct, err := Encrypt(sealed, reg.Recipients)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return reg, writeAtomic(path, ct)
}

// Unsealed returns the recipients (in order) that SealRegistry gives no
// seal with ids: those whose identity is not among ids.
func Unsealed(recipients []string, ids []age.Identity) []string {
	_, signed := signBody(nil, ids, recipients)
	var out []string
	for _, rc := range recipients {
		if !slices.ContainsFunc(signed, func(s string) bool { return strings.EqualFold(s, strings.TrimSpace(rc)) }) {
			out = append(out, rc)
		}
	}
	return out
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := bufio.NewWriter(tmp)
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	return nil
}

// NewIdentity generates an age X25519 identity and returns the identity
// file text (a "# created by storyguard" comment, the public key comment
// and the secret key line, as age-keygen writes it) and its recipient.
func NewIdentity(comment string) (fileText, recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", fmt.Errorf("generate age identity: %w", err)
	}
	rc := id.Recipient().String()
	return fmt.Sprintf("# %s\n# public key: %s\n%s\n", comment, rc, id.String()), rc, nil
}
