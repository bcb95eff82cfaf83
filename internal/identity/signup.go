package identity

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
)

// SignupInput is a self-service signup: a new organization and its owner.
type SignupInput struct {
	OrganizationName string
	Name             string
	Email            string
	Password         string
}

// OrgInitializer adds starter content to a new organization inside the
// signup transaction (for example the starter checklist templates).
type OrgInitializer func(ctx context.Context, tx Tx, org *Organization, ownerID string) error

// NormalizeEmail validates an address and returns its canonical form.
func NormalizeEmail(field, email string) (string, error) {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email, "@") {
		return "", hse.Invalid("invalid e-mail address", hse.FieldError{Field: field, Message: "must be an e-mail address such as name@example.com"})
	}
	return strings.ToLower(email), nil
}

func checkName(field, v string, min, max int) (string, error) {
	v = strings.TrimSpace(v)
	n := utf8.RuneCountInString(v)
	if n < min || n > max {
		return "", hse.Invalid("invalid "+field, hse.FieldError{Field: field, Message: fmt.Sprintf("must be %d to %d characters", min, max)})
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return "", hse.Invalid("invalid "+field, hse.FieldError{Field: field, Message: "must not contain control characters"})
		}
	}
	return v, nil
}

// Signup creates the organization, its system roles, the owner and the
// membership in one transaction, then sends the verification e-mail. For an
// address that already has an account it creates nothing and mails the
// owner of the address instead; the caller sees the same answer either way,
// so signup does not reveal which addresses are registered.
func (s *Service) Signup(ctx context.Context, in SignupInput, inits ...OrgInitializer) error {
	if err := s.limit(ctx, "signup:ip:"+hse.RequestMetaFrom(ctx).IP, SignupPerIP); err != nil {
		return err
	}
	orgName, err := checkName("organizationName", in.OrganizationName, 2, 100)
	if err != nil {
		return err
	}
	name, err := checkName("name", in.Name, 1, 100)
	if err != nil {
		return err
	}
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		return err
	}
	if err := auth.ValidatePassword(in.Password, email); err != nil {
		return err
	}
	// Hash before looking the address up, so both paths cost the same.
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return err
	}

	now := s.now()
	var token string
	existing := false
	orgID := newID()
	// The transaction acts in the new organization from the start, so
	// row-level security admits its roles and membership.
	err = s.Store.InTx(ctx, TxScope{OrgID: orgID}, func(tx Tx) error {
		if _, err := tx.FindUserByEmail(ctx, email); err == nil {
			existing = true
			return tx.AppendAudit(ctx, s.audit(ctx, "", "", email, "auth.signup_existing_email", "user", "", nil, nil))
		} else if !hse.IsNotFound(err) {
			return err
		}
		slug, err := uniqueSlug(ctx, tx, orgName)
		if err != nil {
			return err
		}
		org := &Organization{ID: orgID, Name: orgName, Slug: slug, Plan: "free", Status: OrgActive, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateOrganization(ctx, org); err != nil {
			return err
		}
		if err := createSystemRoles(ctx, tx, org.ID, now); err != nil {
			return err
		}
		if err := tx.CreateStarterPermitTypes(ctx, org.ID, now); err != nil {
			return err
		}
		u := &User{ID: newID(), Email: email, Name: name, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		m := &Membership{OrgID: org.ID, UserID: u.ID, RoleID: hse.SystemRoleID(hse.RoleOwner), CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateMembership(ctx, org.ID, m); err != nil {
			return err
		}
		for _, init := range inits {
			if err := init(ctx, tx, org, u.ID); err != nil {
				return err
			}
		}
		token, err = s.newUserToken(ctx, tx, u.ID, PurposeVerifyEmail, VerifyEmailTTL)
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(ctx, org.ID, u.ID, email, "organization.created", "organization", org.ID, nil,
			map[string]any{"name": org.Name, "slug": org.Slug, "owner": email}))
	})
	if err != nil {
		return err
	}
	if existing {
		s.sendLater(ctx, hse.Mail{To: email, Kind: "signup_existing", Subject: "You already have an HSE Digital account",
			Text: "Someone (perhaps you) tried to sign up with this address, which already has an account.\n\n" +
				"Log in at " + s.PublicURL + "/login, or reset your password at " + s.PublicURL + "/forgot-password.\n" +
				"If this was not you, you can ignore this message.\n"})
		return nil
	}
	s.sendVerification(ctx, email, token)
	return nil
}

func (s *Service) sendVerification(ctx context.Context, email, token string) {
	s.sendLater(ctx, hse.Mail{To: email, Kind: "verify_email", Subject: "Confirm your e-mail address for HSE Digital",
		Text: "Confirm your e-mail address to start using HSE Digital:\n\n" +
			s.PublicURL + "/verify-email?token=" + token + "\n\nThe link is valid for 24 hours.\n"})
}

// newUserToken stores a one-time token and returns it in the clear, once.
func (s *Service) newUserToken(ctx context.Context, tx Tx, userID, purpose string, ttl time.Duration) (string, error) {
	token, err := auth.NewOpaqueToken(tokenPrefix(purpose))
	if err != nil {
		return "", err
	}
	now := s.now()
	return token, tx.CreateUserToken(ctx, userID, purpose, s.hashOneTime(token), now.Add(ttl), now)
}

func tokenPrefix(purpose string) string {
	if purpose == PurposeResetPassword {
		return "hsep_"
	}
	return "hsev_"
}

// createSystemRoles adds the role matrix of DOMAIN.md to a new organization.
func createSystemRoles(ctx context.Context, tx Tx, orgID string, at time.Time) error {
	for _, rt := range hse.SystemRoles() {
		r := &Role{ID: hse.SystemRoleID(rt.Key), Name: rt.Name, Description: rt.Description, System: true,
			Scope: rt.Scope, Permissions: rt.Permissions, CreatedAt: at, UpdatedAt: at}
		if err := tx.CreateRole(ctx, orgID, r); err != nil {
			return err
		}
	}
	return nil
}

// slugify derives a URL-safe slug from a name: lower-case ASCII letters and
// digits separated by single hyphens.
func slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(strings.ToLower(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case unicode.Is(unicode.Mn, r):
			// combining accents are dropped: "é" becomes "e"
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
		if b.Len() >= 48 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	if len(slug) < 2 {
		slug = "org"
	}
	return slug
}

// uniqueSlug finds a free slug: the name's, then with -2, -3, …, then with a
// random suffix.
func uniqueSlug(ctx context.Context, tx Tx, name string) (string, error) {
	base := slugify(name)
	for i := 1; i <= 20; i++ {
		cand := base
		if i > 1 {
			cand = fmt.Sprintf("%s-%d", base, i)
		}
		taken, err := tx.SlugTaken(ctx, cand)
		if err != nil {
			return "", err
		}
		if !taken {
			return cand, nil
		}
	}
	return base + "-" + strings.ToLower(rand.Text()[:6]), nil
}
