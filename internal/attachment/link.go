package attachment

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Variants of a file a link can point at.
const (
	VariantContent   = "content"
	VariantThumbnail = "thumbnail"
)

// DefaultLinkTTL is how long a signed link works: long enough for a page
// to load its images, short enough that a leaked link soon stops working.
const DefaultLinkTTL = 5 * time.Minute

// Signer makes and checks short-lived links to files, for clients that
// cannot send an Authorization header: an <img> tag showing a thumbnail, a
// download handed to the browser. A link names the organization, the file,
// the variant and its expiry, signed with HMAC-SHA-256 under a key derived
// from the JWT secret; the previous secret still verifies during a
// rotation, so links handed out just before it keep working.
type Signer struct {
	keys [][]byte
	TTL  time.Duration
}

// NewSigner derives the link keys from the current secret and, when set,
// the previous one.
func NewSigner(current, previous string) *Signer {
	s := &Signer{TTL: DefaultLinkTTL}
	for _, secret := range []string{current, previous} {
		if secret == "" {
			continue
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("hse attachment links v1"))
		s.keys = append(s.keys, m.Sum(nil))
	}
	return s
}

func linkMAC(key []byte, orgID, id, variant string, exp int64) []byte {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%s\n%s\n%d", orgID, id, variant, exp)
	return m.Sum(nil)
}

// Sign returns the signature of a link valid until exp.
func (s *Signer) Sign(orgID, id, variant string, exp time.Time) string {
	return base64.RawURLEncoding.EncodeToString(linkMAC(s.keys[0], orgID, id, variant, exp.Unix()))
}

// Verify checks a link's signature, then its expiry at now.
func (s *Signer) Verify(orgID, id, variant string, exp int64, sig string, now time.Time) error {
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(s.keys) == 0 {
		return hse.Forbidden("LINK_INVALID", "this file link is not valid; ask the app for a new one")
	}
	ok := false
	for _, k := range s.keys {
		if hmac.Equal(got, linkMAC(k, orgID, id, variant, exp)) {
			ok = true
		}
	}
	if !ok {
		return hse.Forbidden("LINK_INVALID", "this file link is not valid; ask the app for a new one")
	}
	if now.Unix() > exp {
		return hse.Forbidden("LINK_EXPIRED", "this file link has expired; ask the app for a new one")
	}
	return nil
}

// Link is a signed, short-lived URL of one file.
type Link struct {
	URL       string
	ExpiresAt time.Time
}

// Link returns a signed link to a file p may see (its content or its
// thumbnail), valid for the signer's TTL.
func (s *Service) Link(ctx context.Context, p *hse.Principal, id, variant string) (*Link, error) {
	if s.Links == nil {
		return nil, hse.NotFound("file links")
	}
	if variant != VariantContent && variant != VariantThumbnail {
		return nil, hse.Invalid("unknown variant", hse.FieldError{Field: "variant", Message: "content or thumbnail"})
	}
	a, _, err := s.Attachment(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if variant == VariantThumbnail && a.ThumbnailKey == "" {
		return nil, hse.NotFound("thumbnail")
	}
	exp := s.now().Add(s.Links.TTL).Truncate(time.Second)
	q := url.Values{"org": {p.OrgID}, "variant": {variant}, "exp": {strconv.FormatInt(exp.Unix(), 10)},
		"sig": {s.Links.Sign(p.OrgID, a.ID, variant, exp)}}
	return &Link{URL: "/api/files/" + url.PathEscape(a.ID) + "?" + q.Encode(), ExpiresAt: exp}, nil
}

// OpenLink serves a signed link: after the signature and expiry, the file
// is read in the organization the link names (which the signature
// covers), without a caller.
func (s *Service) OpenLink(ctx context.Context, orgID, id, variant string, exp int64, sig string) (*Attachment, io.ReadCloser, int64, error) {
	if s.Links == nil {
		return nil, nil, 0, hse.NotFound("file links")
	}
	if variant != VariantContent && variant != VariantThumbnail {
		return nil, nil, 0, hse.Forbidden("LINK_INVALID", "this file link is not valid; ask the app for a new one")
	}
	if err := s.Links.Verify(orgID, id, variant, exp, sig, s.now()); err != nil {
		return nil, nil, 0, err
	}
	var a *Attachment
	err := s.Store.InTx(ctx, hse.TxScope{OrgID: orgID, ReadOnly: true}, func(tx Tx) error {
		var err error
		a, err = tx.FindAttachment(ctx, orgID, id)
		return err
	})
	if err != nil {
		return nil, nil, 0, err
	}
	return s.openBlob(ctx, a, variant == VariantThumbnail)
}
