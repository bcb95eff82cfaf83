package identity

import (
	"context"
	"errors"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
)

// consumeToken spends a one-time token under any accepted secret.
func (s *Service) consumeToken(ctx context.Context, tx Tx, purpose, token string) (string, error) {
	var lastErr error
	for _, h := range s.Hasher.Candidates(token) {
		userID, err := tx.ConsumeUserToken(ctx, purpose, h, s.now())
		if err == nil {
			return userID, nil
		}
		lastErr = err
	}
	return "", lastErr
}

// VerifyEmail confirms an address with the token from the e-mail.
func (s *Service) VerifyEmail(ctx context.Context, token string) error {
	defer s.forgetPrincipals() // what callers see of themselves has changed
	if err := s.limit(ctx, "token:ip:"+hse.RequestMetaFrom(ctx).IP, TokenUsePerIP); err != nil {
		return err
	}
	return s.Store.InTx(ctx, TxScope{}, func(tx Tx) error {
		userID, err := s.consumeToken(ctx, tx, PurposeVerifyEmail, token)
		if err != nil {
			return err
		}
		u, err := tx.FindUserByID(ctx, userID)
		if err != nil {
			return err
		}
		if u.Verified() {
			return nil
		}
		now := s.now()
		u.EmailVerifiedAt, u.UpdatedAt = &now, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(ctx, "", u.ID, u.Email, "auth.email_verified", "user", u.ID, nil, nil))
	})
}

// ResendVerification sends a new verification link if the address belongs
// to an unverified account. The answer is the same in every case.
func (s *Service) ResendVerification(ctx context.Context, email string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	if err := s.limit(ctx, "reset:ip:"+hse.RequestMetaFrom(ctx).IP, ResetPerIP); err != nil {
		return err
	}
	if err := s.limit(ctx, "resend:account:"+email, ResetPerAccount); err != nil {
		return nil // silently: a refusal would tell that the address exists
	}
	var token string
	err = s.Store.InTx(ctx, TxScope{}, func(tx Tx) error {
		u, err := tx.FindUserByEmail(ctx, email)
		if err != nil || u.Verified() {
			return ignoreNotFound(err)
		}
		if err := tx.InvalidateUserTokens(ctx, u.ID, PurposeVerifyEmail, s.now()); err != nil {
			return err
		}
		token, err = s.newUserToken(ctx, tx, u.ID, PurposeVerifyEmail, VerifyEmailTTL)
		return err
	})
	if err != nil {
		return err
	}
	if token != "" {
		s.sendVerification(ctx, email, token)
	}
	return nil
}

// renameField gives a validation error the request's name for a field,
// such as newPassword for the policy's "password".
func renameField(err error, from, to string) error {
	var e *hse.Error
	if errors.As(err, &e) {
		for i := range e.Fields {
			if e.Fields[i].Field == from {
				e.Fields[i].Field = to
			}
		}
	}
	return err
}

func ignoreNotFound(err error) error {
	if hse.IsNotFound(err) {
		return nil
	}
	return err
}

// RequestPasswordReset mails a reset link (valid one hour) if the address
// has an account. The answer is the same in every case.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	if err := s.limit(ctx, "reset:ip:"+hse.RequestMetaFrom(ctx).IP, ResetPerIP); err != nil {
		return err
	}
	if err := s.limit(ctx, "reset:account:"+email, ResetPerAccount); err != nil {
		return nil // silently, as above
	}
	var token, orgID, userID string
	err = s.Store.InTx(ctx, TxScope{}, func(tx Tx) error {
		u, err := tx.FindUserByEmail(ctx, email)
		if err != nil {
			return ignoreNotFound(err)
		}
		userID = u.ID
		token, err = s.newUserToken(ctx, tx, u.ID, PurposeResetPassword, ResetPasswordTTL)
		return err
	})
	if err != nil {
		return err
	}
	if token == "" {
		return nil
	}
	orgID = s.firstOrg(ctx, userID)
	s.recordSecurity(ctx, orgID, userID, email, "auth.password_reset_requested", nil)
	s.sendLater(ctx, hse.Mail{To: email, Kind: "password_reset", Subject: "Reset your HSE Digital password",
		Text: "Someone (perhaps you) asked to reset the password of this account. To choose a new password, open:\n\n" +
			s.PublicURL + "/reset-password?token=" + token + "\n\nThe link is valid for one hour. If this was not you, ignore this message.\n"})
	return nil
}

// ResetPassword sets a new password with a reset token. Every session of the
// account ends, and the address counts as verified (the link proved it).
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	defer s.forgetPrincipals() // what the caller may do has changed
	if err := s.limit(ctx, "token:ip:"+hse.RequestMetaFrom(ctx).IP, TokenUsePerIP); err != nil {
		return err
	}
	var u *User
	err := s.Store.InTx(ctx, TxScope{}, func(tx Tx) error {
		userID, err := s.consumeToken(ctx, tx, PurposeResetPassword, token)
		if err != nil {
			return err
		}
		if u, err = tx.FindUserByID(ctx, userID); err != nil {
			return err
		}
		// Checked before the transaction commits, so that a refused
		// password leaves the link usable for a better one.
		return auth.ValidatePassword(password, u.Email)
	})
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	orgID := s.firstOrg(ctx, u.ID)
	return s.Store.InTx(ctx, TxScope{OrgID: orgID, UserID: u.ID}, func(tx Tx) error {
		now := s.now()
		u.PasswordHash, u.UpdatedAt = hash, now
		if u.EmailVerifiedAt == nil {
			u.EmailVerifiedAt = &now
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.InvalidateUserTokens(ctx, u.ID, PurposeResetPassword, now); err != nil {
			return err
		}
		n, err := tx.RevokeUserSessions(ctx, u.ID, "password_reset", "", now)
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(ctx, orgID, u.ID, u.Email, "auth.password_reset", "user", u.ID, nil, map[string]any{"sessionsRevoked": n}))
	})
}

// ChangePassword replaces the caller's password after checking the current
// one. Every other session of the account ends; this one stays.
func (s *Service) ChangePassword(ctx context.Context, p *hse.Principal, current, next string) error {
	defer s.forgetPrincipals() // what the caller may do has changed
	if err := s.limit(ctx, "login:account:"+p.Email, LoginPerAccount); err != nil {
		return err
	}
	var u *User
	err := s.Store.InTx(ctx, TxScope{UserID: p.UserID, ReadOnly: true}, func(tx Tx) error {
		var err error
		u, err = tx.FindUserByID(ctx, p.UserID)
		return err
	})
	if err != nil {
		return err
	}
	if ok, _ := auth.CheckPassword(current, u.PasswordHash); !ok {
		s.recordSecurity(ctx, p.OrgID, p.UserID, p.Email, "auth.password_change_failed", nil)
		return hse.Invalid("the current password is wrong", hse.FieldError{Field: "currentPassword", Message: "does not match"})
	}
	if err := auth.ValidatePassword(next, u.Email); err != nil {
		return renameField(err, "password", "newPassword")
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		now := s.now()
		u.PasswordHash, u.UpdatedAt = hash, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		n, err := tx.RevokeUserSessions(ctx, u.ID, "password_changed", p.SessionID, now)
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "auth.password_changed", "user", u.ID, nil, map[string]any{"otherSessionsRevoked": n}))
	})
}

// Me is the caller with their organizations.
type Me struct {
	User          *User
	Principal     *hse.Principal
	Organizations []UserMembership
}

// Me returns the caller's account, current role and organizations.
func (s *Service) Me(ctx context.Context, p *hse.Principal) (*Me, error) {
	now := s.now()
	if a, ok := s.caches().accounts.get(p.UserID, now); ok {
		return &Me{User: a.user, Principal: p, Organizations: a.orgs}, nil
	}
	var u *User
	var ms []UserMembership
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID, ReadOnly: true}, func(tx Tx) error {
		var err error
		if u, err = tx.FindUserByID(ctx, p.UserID); err != nil {
			return err
		}
		ms, err = tx.FindUserMemberships(ctx, p.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.caches().accounts.put(p.UserID, account{user: u, orgs: ms}, now)
	return &Me{User: u, Principal: p, Organizations: ms}, nil
}
