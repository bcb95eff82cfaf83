package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

// Cookie names for browser sessions. The refresh cookie is HttpOnly and
// limited to /api/auth; the CSRF cookie is readable by the page, which
// echoes it in X-CSRF-Token (double submit) when it refreshes by cookie.
const (
	refreshCookie = "hse_refresh"
	csrfCookie    = "hse_csrf"
)

type signupBody struct {
	OrganizationName string `json:"organizationName" minLength:"2" maxLength:"100" doc:"name of the new organization"`
	Name             string `json:"name" minLength:"1" maxLength:"100" doc:"your name"`
	Email            string `json:"email" maxLength:"254" format:"email"`
	Password         string `json:"password" minLength:"8" maxLength:"512" doc:"8-128 characters; common passwords are refused"`
}

type acceptedOutput struct {
	Status int
	Body   struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
}

func accepted(status, msg string) *acceptedOutput {
	out := &acceptedOutput{Status: http.StatusAccepted}
	out.Body.Status, out.Body.Message = status, msg
	return out
}

type emailBody struct {
	Email string `json:"email" maxLength:"254"`
}

type tokenBody struct {
	Token string `json:"token" minLength:"1" maxLength:"300"`
}

type loginBody struct {
	Email          string `json:"email" maxLength:"254"`
	Password       string `json:"password" maxLength:"512"`
	OrganizationID string `json:"organizationId,omitempty" maxLength:"64" doc:"organization to act in; default: your first"`
}

type tokensBody struct {
	AccessToken    string           `json:"accessToken"`
	TokenType      string           `json:"tokenType" example:"Bearer"`
	ExpiresIn      int              `json:"expiresIn" doc:"seconds until the access token expires"`
	RefreshToken   string           `json:"refreshToken,omitempty" doc:"opaque; single use: every refresh returns a new one"`
	OrganizationID string           `json:"organizationId,omitempty"`
	User           UserView         `json:"user"`
	Organizations  []MembershipView `json:"organizations"`
}

type tokensOutput struct {
	SetCookie    []http.Cookie `header:"Set-Cookie"`
	CacheControl string        `header:"Cache-Control"`
	Body         tokensBody
}

// tokensOut builds the login/refresh answer; with a refresh token it also
// sets the browser's cookies.
func tokensOut(t *identity.Tokens, now time.Time) (*tokensOutput, error) {
	out := &tokensOutput{CacheControl: "no-store", Body: tokensBody{
		AccessToken: t.AccessToken, TokenType: "Bearer", ExpiresIn: int(t.ExpiresAt.Sub(now).Seconds()),
		RefreshToken: t.RefreshToken, OrganizationID: t.OrgID, User: userView(t.User), Organizations: membershipViews(t.Organizations),
	}}
	if t.RefreshToken != "" {
		csrf, err := auth.NewOpaqueToken("")
		if err != nil {
			return nil, err
		}
		out.SetCookie = []http.Cookie{
			{Name: refreshCookie, Value: t.RefreshToken, Path: "/api/auth", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode, MaxAge: int(identity.RefreshTTL.Seconds())},
			{Name: csrfCookie, Value: csrf, Path: "/", Secure: true, SameSite: http.SameSiteStrictMode, MaxAge: int(identity.RefreshTTL.Seconds())},
		}
	}
	return out, nil
}

type refreshInput struct {
	Cookie     string `cookie:"hse_refresh"`
	CSRFCookie string `cookie:"hse_csrf"`
	CSRFHeader string `header:"X-CSRF-Token"`
	Body       struct {
		RefreshToken string `json:"refreshToken,omitempty" maxLength:"300" doc:"omit to use the hse_refresh cookie (then X-CSRF-Token is required)"`
	}
}

// refreshToken takes the token from the body, or from the cookie when the
// CSRF header matches the CSRF cookie: a cross-site page can make the
// browser send the cookie but cannot read the CSRF cookie to echo it.
func (in *refreshInput) refreshToken() (string, error) {
	if in.Body.RefreshToken != "" {
		return in.Body.RefreshToken, nil
	}
	if in.Cookie == "" {
		return "", nil
	}
	if in.CSRFCookie == "" || subtle.ConstantTimeCompare([]byte(in.CSRFCookie), []byte(in.CSRFHeader)) != 1 {
		return "", hse.Forbidden("CSRF_FAILED", "refreshing with the cookie needs the X-CSRF-Token header matching the hse_csrf cookie")
	}
	return in.Cookie, nil
}

func registerAuth(api huma.API, d Deps) {
	svc := d.Identity
	tags := []string{"Authentication"}
	now := func() time.Time { return time.Now().UTC() }
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	signup := func(ctx context.Context, in *struct{ Body signupBody }) (*acceptedOutput, error) {
		err := svc.Signup(ctx, identity.SignupInput{OrganizationName: in.Body.OrganizationName, Name: in.Body.Name, Email: in.Body.Email, Password: in.Body.Password}, d.OrgInitializers...)
		if err != nil {
			return nil, fail(ctx, err)
		}
		return accepted("verification_sent", "Check your e-mail: we sent a link to confirm your address. Then log in."), nil
	}
	for _, p := range []struct{ id, path string }{{"signup", "/api/auth/signup"}, {"signupWithOrg", "/api/auth/signup-with-org"}} {
		huma.Register(api, huma.Operation{OperationID: p.id, Method: http.MethodPost, Path: p.path, Tags: tags, DefaultStatus: 202,
			Summary:     "Sign up: a new organization and its owner",
			Description: "Creates the organization, its system roles, the owner account and membership in one transaction and sends a verification e-mail. The answer is the same whether or not the address is registered."}, signup)
	}

	huma.Register(api, huma.Operation{OperationID: "verifyEmail", Method: http.MethodPost, Path: "/api/auth/verify-email", Tags: tags,
		Summary: "Confirm an e-mail address with the token from the e-mail"},
		func(ctx context.Context, in *struct{ Body tokenBody }) (*acceptedOutput, error) {
			if err := svc.VerifyEmail(ctx, in.Body.Token); err != nil {
				return nil, fail(ctx, err)
			}
			out := accepted("verified", "Your e-mail address is confirmed. You can log in.")
			out.Status = http.StatusOK
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "resendVerification", Method: http.MethodPost, Path: "/api/auth/resend-verification", Tags: tags, DefaultStatus: 202,
		Summary: "Send the verification e-mail again", Description: "Same answer whether or not the address is registered."},
		func(ctx context.Context, in *struct{ Body emailBody }) (*acceptedOutput, error) {
			if err := svc.ResendVerification(ctx, in.Body.Email); err != nil {
				return nil, fail(ctx, err)
			}
			return accepted("sent_if_registered", "If this address has an unconfirmed account, a new link is on its way."), nil
		})

	huma.Register(api, huma.Operation{OperationID: "requestPasswordReset", Method: http.MethodPost, Path: "/api/auth/password-reset/request", Tags: tags, DefaultStatus: 202,
		Summary: "Request a password-reset e-mail", Description: "Same answer whether or not the address is registered. The link is valid one hour."},
		func(ctx context.Context, in *struct{ Body emailBody }) (*acceptedOutput, error) {
			if err := svc.RequestPasswordReset(ctx, in.Body.Email); err != nil {
				return nil, fail(ctx, err)
			}
			return accepted("sent_if_registered", "If this address has an account, a reset link is on its way."), nil
		})

	huma.Register(api, huma.Operation{OperationID: "confirmPasswordReset", Method: http.MethodPost, Path: "/api/auth/password-reset/confirm", Tags: tags,
		Summary: "Set a new password with a reset token", Description: "Ends every session of the account."},
		func(ctx context.Context, in *struct {
			Body struct {
				Token    string `json:"token" minLength:"1" maxLength:"300"`
				Password string `json:"password" maxLength:"512"`
			}
		}) (*acceptedOutput, error) {
			if err := svc.ResetPassword(ctx, in.Body.Token, in.Body.Password); err != nil {
				return nil, fail(ctx, err)
			}
			out := accepted("password_reset", "Your password is changed and every session has been ended. Log in with the new password.")
			out.Status = http.StatusOK
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "changePassword", Method: http.MethodPost, Path: "/api/auth/change-password", Tags: tags, Security: bearer,
		Summary: "Change your password", Description: "Needs the current password; ends every other session."},
		func(ctx context.Context, in *struct {
			Body struct {
				CurrentPassword string `json:"currentPassword" maxLength:"512"`
				NewPassword     string `json:"newPassword" maxLength:"512"`
			}
		}) (*acceptedOutput, error) {
			if err := svc.ChangePassword(ctx, principalFrom(ctx), in.Body.CurrentPassword, in.Body.NewPassword); err != nil {
				return nil, fail(ctx, err)
			}
			out := accepted("password_changed", "Your password is changed; other sessions have been ended.")
			out.Status = http.StatusOK
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/api/auth/login", Tags: tags,
		Summary:     "Log in",
		Description: "Returns a 15-minute access token bound to one organization and a single-use refresh token (also set as an HttpOnly cookie for browsers). 401 INVALID_CREDENTIALS for any wrong address or password; 403 EMAIL_NOT_VERIFIED before the address is confirmed."},
		func(ctx context.Context, in *struct{ Body loginBody }) (*tokensOutput, error) {
			t, err := svc.Login(ctx, identity.LoginInput{Email: in.Body.Email, Password: in.Body.Password, OrganizationID: in.Body.OrganizationID})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return tokensOut(t, now())
		})

	huma.Register(api, huma.Operation{OperationID: "refresh", Method: http.MethodPost, Path: "/api/auth/refresh", Tags: tags,
		Summary:     "Exchange a refresh token for new tokens",
		Description: "The refresh token is spent and a new one returned. Presenting a spent token ends the whole session (401 REFRESH_TOKEN_REUSED)."},
		func(ctx context.Context, in *refreshInput) (*tokensOutput, error) {
			token, err := in.refreshToken()
			if err != nil {
				return nil, fail(ctx, err)
			}
			t, err := svc.Refresh(ctx, token)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return tokensOut(t, now())
		})

	type loggedOut struct {
		SetCookie []http.Cookie `header:"Set-Cookie"`
	}
	clearCookies := []http.Cookie{
		{Name: refreshCookie, Value: "", Path: "/api/auth", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode, MaxAge: -1},
		{Name: csrfCookie, Value: "", Path: "/", Secure: true, SameSite: http.SameSiteStrictMode, MaxAge: -1},
	}
	huma.Register(api, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/api/auth/logout", Tags: tags, DefaultStatus: 204, Security: bearer,
		Summary: "Log out: end this session"},
		func(ctx context.Context, _ *struct{}) (*loggedOut, error) {
			if err := svc.Logout(ctx, principalFrom(ctx)); err != nil {
				return nil, fail(ctx, err)
			}
			return &loggedOut{SetCookie: clearCookies}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "logoutRefresh", Method: http.MethodPost, Path: "/api/auth/logout/refresh", Tags: tags, DefaultStatus: 204,
		Summary: "Log out with the refresh token", Description: "For clients whose access token has expired: ends the session the refresh token (body or cookie) belongs to."},
		func(ctx context.Context, in *refreshInput) (*loggedOut, error) {
			token, err := in.refreshToken()
			if err != nil {
				return nil, fail(ctx, err)
			}
			if token != "" {
				if err := svc.LogoutWithRefreshToken(ctx, token); err != nil {
					return nil, fail(ctx, err)
				}
			}
			return &loggedOut{SetCookie: clearCookies}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "logoutAll", Method: http.MethodPost, Path: "/api/auth/logout-all", Tags: tags, Security: bearer,
		Summary: "Log out everywhere: end every session of your account"},
		func(ctx context.Context, _ *struct{}) (*struct {
			SetCookie []http.Cookie `header:"Set-Cookie"`
			Body      struct {
				SessionsEnded int `json:"sessionsEnded"`
			}
		}, error) {
			n, err := svc.LogoutAll(ctx, principalFrom(ctx))
			if err != nil {
				return nil, fail(ctx, err)
			}
			out := &struct {
				SetCookie []http.Cookie `header:"Set-Cookie"`
				Body      struct {
					SessionsEnded int `json:"sessionsEnded"`
				}
			}{SetCookie: clearCookies}
			out.Body.SessionsEnded = n
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "switchOrganization", Method: http.MethodPost, Path: "/api/auth/switch-organization", Tags: tags, Security: bearer,
		Summary: "Act in another of your organizations", Description: "Returns an access token for that organization; the refresh token stays the same."},
		func(ctx context.Context, in *struct {
			Body struct {
				OrganizationID string `json:"organizationId" minLength:"1" maxLength:"64"`
			}
		}) (*tokensOutput, error) {
			t, err := svc.SwitchOrganization(ctx, principalFrom(ctx), in.Body.OrganizationID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return tokensOut(t, now())
		})

	type meOutput struct {
		Body struct {
			User          UserView         `json:"user"`
			Organization  *MembershipView  `json:"organization,omitempty" doc:"the organization this token acts in, with your role; the permission list is GET /api/auth/me/permissions"`
			Scope         hse.Scope        `json:"scope" doc:"the stations or contractor company your role is limited to"`
			Organizations []MembershipView `json:"organizations"`
		}
	}
	huma.Register(api, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/api/auth/me", Tags: tags, Security: bearer,
		Summary: "Who am I: account, current organization and role"},
		func(ctx context.Context, _ *struct{}) (*meOutput, error) {
			me, err := svc.Me(ctx, principalFrom(ctx))
			if err != nil {
				return nil, fail(ctx, err)
			}
			out := &meOutput{}
			out.Body.User = userView(me.User)
			out.Body.Scope = permissionsView(me.Principal).Scope
			out.Body.Organizations = membershipViews(me.Organizations)
			for i, m := range out.Body.Organizations {
				if m.ID == me.Principal.OrgID {
					out.Body.Organization = &out.Body.Organizations[i]
				}
			}
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "myPermissions", Method: http.MethodGet, Path: "/api/auth/me/permissions", Tags: tags, Security: bearer,
		Summary: "Your role, permissions and scope in the current organization"},
		func(ctx context.Context, _ *struct{}) (*struct{ Body PermissionsView }, error) {
			return &struct{ Body PermissionsView }{Body: permissionsView(principalFrom(ctx))}, nil
		})
}
