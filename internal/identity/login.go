package identity

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
)

// LoginInput is an e-mail and password, optionally with the organization to
// act in first.
type LoginInput struct {
	Email          string
	Password       string
	OrganizationID string
}

// Tokens is what login, refresh and switch return.
type Tokens struct {
	AccessToken   string
	ExpiresAt     time.Time
	RefreshToken  string // empty from SwitchOrganization: the old one stays valid
	SessionID     string
	OrgID         string
	User          *User
	Organizations []UserMembership
}

// errBadCredentials is the one answer to every wrong address or password.
var errBadCredentials = hse.Unauthorized("INVALID_CREDENTIALS", "invalid e-mail address or password")

// Login checks the password and opens a session. Unknown addresses cost the
// same time as known ones and get the same answer as a wrong password; only
// a correct password reveals that the address awaits verification.
func (s *Service) Login(ctx context.Context, in LoginInput) (*Tokens, error) {
	meta := hse.RequestMetaFrom(ctx)
	email, emailErr := NormalizeEmail("email", in.Email)
	if err := s.limit(ctx, "login:ip:"+meta.IP, LoginPerIP); err != nil {
		return nil, err
	}
	if emailErr != nil {
		auth.DummyCheck(in.Password)
		return nil, errBadCredentials
	}
	if err := s.limit(ctx, "login:account:"+email, LoginPerAccount); err != nil {
		s.recordSecurity(ctx, "", "", email, "auth.login_rate_limited", nil)
		return nil, err
	}

	var u *User
	var memberships []UserMembership
	err := s.Store.InTx(ctx, TxScope{ReadOnly: true}, func(tx Tx) error {
		var err error
		u, err = tx.FindUserByEmail(ctx, email)
		return err
	})
	if hse.IsNotFound(err) {
		auth.DummyCheck(in.Password)
		s.recordSecurity(ctx, "", "", email, "auth.login_failed", map[string]any{"reason": "unknown_email"})
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := auth.CheckPassword(in.Password, u.PasswordHash)
	if err != nil {
		s.Log.ErrorContext(ctx, "stored password hash unreadable", "user_id", u.ID, "err", err)
	}
	if !ok {
		s.recordSecurity(ctx, s.firstOrg(ctx, u.ID), u.ID, email, "auth.login_failed", map[string]any{"reason": "wrong_password"})
		return nil, errBadCredentials
	}
	if !u.Verified() {
		return nil, hse.Forbidden("EMAIL_NOT_VERIFIED", "confirm your e-mail address first; we can send the link again")
	}

	memberships, err = s.memberships(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	orgID, err := pickOrganization(memberships, in.OrganizationID, u.Operator)
	if err != nil {
		return nil, err
	}
	if auth.NeedsRehash(u.PasswordHash) {
		s.rehash(ctx, u, in.Password)
	}

	now := s.now()
	sess := &Session{ID: newID(), UserID: u.ID, OrgID: orgID, CreatedAt: now, LastUsedAt: now,
		ExpiresAt: now.Add(RefreshTTL), IP: meta.IP, UserAgent: truncate(meta.UserAgent, 300)}
	refresh, err := auth.NewRefreshToken()
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, TxScope{OrgID: orgID, UserID: u.ID}, func(tx Tx) error {
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		if err := tx.CreateRefreshToken(ctx, &RefreshToken{Hash: s.Hasher.Hash(refresh), SessionID: sess.ID, IssuedAt: now, ExpiresAt: sess.ExpiresAt}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(ctx, orgID, u.ID, u.Email, "auth.login", "session", sess.ID, nil, nil))
	})
	if err != nil {
		return nil, err
	}
	access, exp, err := s.Keys.IssueAccess(auth.AccessClaims{UserID: u.ID, OrgID: orgID, SessionID: sess.ID}, now)
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, ExpiresAt: exp, RefreshToken: refresh, SessionID: sess.ID, OrgID: orgID, User: u, Organizations: memberships}, nil
}

// pickOrganization chooses the organization a new session acts in: the
// requested one if the user belongs to it, otherwise the oldest active
// membership. A user with no active organization may still log in if they
// are a platform operator, or have no organization at all (they can accept
// an invitation).
func pickOrganization(ms []UserMembership, requested string, operator bool) (string, error) {
	if requested != "" {
		for _, m := range ms {
			if m.OrgID == requested {
				if m.OrgStatus != OrgActive {
					return "", hse.Forbidden("ORGANIZATION_SUSPENDED", "this organization is suspended")
				}
				return m.OrgID, nil
			}
		}
		return "", hse.NotFound("organization")
	}
	for _, m := range ms {
		if m.OrgStatus == OrgActive {
			return m.OrgID, nil
		}
	}
	if len(ms) > 0 && !operator {
		return "", hse.Forbidden("ORGANIZATION_SUSPENDED", "your organization is suspended")
	}
	return "", nil
}

func (s *Service) memberships(ctx context.Context, userID string) ([]UserMembership, error) {
	var out []UserMembership
	err := s.Store.InTx(ctx, TxScope{UserID: userID, ReadOnly: true}, func(tx Tx) error {
		var err error
		out, err = tx.FindUserMemberships(ctx, userID)
		return err
	})
	return out, err
}

// firstOrg is the organization a user's security events are filed under,
// so that its administrators see failed logins of their members.
func (s *Service) firstOrg(ctx context.Context, userID string) string {
	ms, err := s.memberships(ctx, userID)
	if err != nil || len(ms) == 0 {
		return ""
	}
	return ms[0].OrgID
}

// recordSecurity writes a security event in its own transaction: it must
// be kept even though the request fails.
func (s *Service) recordSecurity(ctx context.Context, orgID, userID, email, action string, details map[string]any) {
	err := s.Store.InTx(ctx, TxScope{OrgID: orgID, UserID: userID}, func(tx Tx) error {
		return tx.AppendAudit(ctx, s.audit(ctx, orgID, userID, email, action, "user", userID, nil, details))
	})
	if err != nil {
		s.Log.ErrorContext(ctx, "recording a security event failed", "action", action, "err", err)
	}
}

func (s *Service) rehash(ctx context.Context, u *User, pw string) {
	h, err := auth.HashPassword(pw)
	if err != nil {
		return
	}
	u.PasswordHash, u.UpdatedAt = h, s.now()
	if err := s.Store.InTx(ctx, TxScope{UserID: u.ID}, func(tx Tx) error { return tx.UpdateUser(ctx, u) }); err != nil {
		s.Log.WarnContext(ctx, "upgrading a password hash failed", "err", err)
	}
}

// Refresh rotates a refresh token: the presented one is spent and a new one
// in the same session is returned with a new access token. Presenting a
// token that was already spent means it was stolen or replayed: the whole
// session (token family) is revoked and the event audited.
func (s *Service) Refresh(ctx context.Context, token string) (*Tokens, error) {
	if err := s.limit(ctx, "refresh:ip:"+hse.RequestMetaFrom(ctx).IP, TokenUsePerIP); err != nil {
		return nil, err
	}
	invalid := hse.Unauthorized("REFRESH_TOKEN_INVALID", "the refresh token is invalid or expired; log in again")
	if token == "" {
		return nil, invalid
	}
	now := s.now()
	var rt *RefreshToken
	var sess *Session
	err := s.Store.InTx(ctx, TxScope{ReadOnly: true}, func(tx Tx) error {
		var err error
		if rt, err = tx.FindRefreshToken(ctx, s.Hasher.Candidates(token)); err != nil {
			return err
		}
		sess, err = tx.FindSession(ctx, rt.SessionID)
		return err
	})
	if hse.IsNotFound(err) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) || !now.Before(rt.ExpiresAt) {
		return nil, invalid
	}
	if rt.RotatedAt != nil {
		s.revokeFamily(ctx, sess, "refresh_token_reuse")
		return nil, hse.Unauthorized("REFRESH_TOKEN_REUSED", "this refresh token was already used; every session of this login has been ended")
	}

	next, err := auth.NewRefreshToken()
	if err != nil {
		return nil, err
	}
	reused := false
	var u *User
	err = s.Store.InTx(ctx, TxScope{OrgID: sess.OrgID, UserID: sess.UserID}, func(tx Tx) error {
		won, err := tx.MarkRefreshTokenRotated(ctx, rt.Hash, now)
		if err != nil {
			return err
		}
		if !won {
			reused = true // a concurrent refresh spent it first
			return nil
		}
		// The membership may have gone since login: check before issuing,
		// inside the transaction that spends the token. Once it commits
		// the new tokens are issued, even if a concurrent request that
		// presented the same token revokes the session a moment later.
		if _, err := tx.LoadPrincipal(ctx, sess.OrgID, sess.UserID, sess.ID, now); err != nil {
			return err
		}
		if err := tx.CreateRefreshToken(ctx, &RefreshToken{Hash: s.Hasher.Hash(next), SessionID: sess.ID, IssuedAt: now, ExpiresAt: sess.ExpiresAt}); err != nil {
			return err
		}
		if err := tx.TouchSession(ctx, sess.ID, now); err != nil {
			return err
		}
		u, err = tx.FindUserByID(ctx, sess.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if reused {
		s.revokeFamily(ctx, sess, "refresh_token_reuse")
		return nil, hse.Unauthorized("REFRESH_TOKEN_REUSED", "this refresh token was already used; every session of this login has been ended")
	}
	access, exp, err := s.Keys.IssueAccess(auth.AccessClaims{UserID: sess.UserID, OrgID: sess.OrgID, SessionID: sess.ID}, now)
	if err != nil {
		return nil, err
	}
	ms, err := s.memberships(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, ExpiresAt: exp, RefreshToken: next, SessionID: sess.ID, OrgID: sess.OrgID, User: u, Organizations: ms}, nil
}

func (s *Service) revokeFamily(ctx context.Context, sess *Session, reason string) {
	defer s.forgetPrincipals() // what the caller may do has changed
	now := s.now()
	err := s.Store.InTx(ctx, TxScope{OrgID: sess.OrgID, UserID: sess.UserID}, func(tx Tx) error {
		if err := tx.RevokeSession(ctx, sess.ID, reason, now); err != nil {
			return err
		}
		u, err := tx.FindUserByID(ctx, sess.UserID)
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(ctx, sess.OrgID, sess.UserID, u.Email, "auth.refresh_token_reuse", "session", sess.ID, nil,
			map[string]any{"revoked": "session"}))
	})
	if err != nil {
		s.Log.ErrorContext(ctx, "revoking a reused token family failed", "err", err)
	}
}

// Authenticate turns an access token into the caller: the signature and
// expiry are checked, then the session, membership and organization.
func (s *Service) Authenticate(ctx context.Context, token string) (*hse.Principal, error) {
	now := s.now()
	c, ok := s.caches().tokens.get(token, now)
	if !ok || !now.Before(c.ExpiresAt.Add(auth.ClockSkew)) {
		var err error
		if c, err = s.Keys.VerifyAccess(token, now); err != nil {
			return nil, err
		}
		s.caches().tokens.put(token, c, now)
	}
	return s.principal(ctx, c.OrgID, c.UserID, c.SessionID)
}

func (s *Service) principal(ctx context.Context, orgID, userID, sessionID string) (*hse.Principal, error) {
	k := principalKey{org: orgID, user: userID, session: sessionID}
	now := s.now()
	if p, ok := s.caches().principals.get(k, now); ok {
		return p, nil
	}
	var p *hse.Principal
	err := s.Store.InTx(ctx, TxScope{OrgID: orgID, UserID: userID, ReadOnly: true}, func(tx Tx) error {
		var err error
		p, err = tx.LoadPrincipal(ctx, orgID, userID, sessionID, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.caches().principals.put(k, p, now)
	return p, nil
}

// SwitchOrganization issues an access token for another of the caller's
// organizations; the session (and its refresh token) now acts there.
func (s *Service) SwitchOrganization(ctx context.Context, p *hse.Principal, orgID string) (*Tokens, error) {
	ms, err := s.memberships(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if _, err := pickOrganization(ms, orgID, p.Operator); err != nil {
		return nil, err
	}
	now := s.now()
	var u *User
	err = s.Store.InTx(ctx, TxScope{OrgID: orgID, UserID: p.UserID}, func(tx Tx) error {
		if err := tx.SetSessionOrganization(ctx, p.SessionID, orgID, now); err != nil {
			return err
		}
		var err error
		if u, err = tx.FindUserByID(ctx, p.UserID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(ctx, orgID, p.UserID, p.Email, "auth.switch_organization", "session", p.SessionID,
			map[string]any{"organizationId": p.OrgID}, map[string]any{"organizationId": orgID}))
	})
	if err != nil {
		return nil, err
	}
	access, exp, err := s.Keys.IssueAccess(auth.AccessClaims{UserID: p.UserID, OrgID: orgID, SessionID: p.SessionID}, now)
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, ExpiresAt: exp, SessionID: p.SessionID, OrgID: orgID, User: u, Organizations: ms}, nil
}

// Logout ends the caller's session: its refresh tokens stop working and
// its access tokens are refused from now on.
func (s *Service) Logout(ctx context.Context, p *hse.Principal) error {
	defer s.forgetPrincipals() // what the caller may do has changed
	return s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		if err := tx.RevokeSession(ctx, p.SessionID, "logout", s.now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "auth.logout", "session", p.SessionID, nil, nil))
	})
}

// LogoutWithRefreshToken ends the session a refresh token belongs to, for
// clients whose access token has already expired.
func (s *Service) LogoutWithRefreshToken(ctx context.Context, token string) error {
	defer s.forgetPrincipals() // what the caller may do has changed
	var sess *Session
	err := s.Store.InTx(ctx, TxScope{ReadOnly: true}, func(tx Tx) error {
		rt, err := tx.FindRefreshToken(ctx, s.Hasher.Candidates(token))
		if err != nil {
			return err
		}
		sess, err = tx.FindSession(ctx, rt.SessionID)
		return err
	})
	if hse.IsNotFound(err) {
		return nil // nothing to end; logging out is idempotent
	}
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, TxScope{OrgID: sess.OrgID, UserID: sess.UserID}, func(tx Tx) error {
		return tx.RevokeSession(ctx, sess.ID, "logout", s.now())
	})
}

// LogoutAll ends every session of the caller, on every device.
func (s *Service) LogoutAll(ctx context.Context, p *hse.Principal) (int, error) {
	defer s.forgetPrincipals() // what the caller may do has changed
	var n int
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		var err error
		if n, err = tx.RevokeUserSessions(ctx, p.UserID, "logout_all", "", s.now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "auth.logout_all", "user", p.UserID, nil, map[string]any{"sessions": n}))
	})
	return n, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
