package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/station"
)

// StationStore implements station.Store on this database.
type StationStore struct{ db *DB }

// Stations returns the station store.
func (db *DB) Stations() *StationStore { return &StationStore{db: db} }

// InTx runs fn in one transaction scoped as sc.
func (s *StationStore) InTx(ctx context.Context, sc hse.TxScope, fn func(station.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(stationTx{tx})
	})
}

// stationTx implements station.Tx.
type stationTx struct{ *Tx }

var _ station.Tx = stationTx{}

const stationColumns = `id, code, name, brand, region, address, latitude, longitude, risk_category, audit_frequency,
	manager_user_ids, active, version, created_at, updated_at, time_zone`

func scanStation(row interface{ Scan(...any) error }) (*station.Station, error) {
	var s station.Station
	var lat, lon sql.NullFloat64
	var managers nullJSON
	if err := row.Scan(&s.ID, &s.Code, &s.Name, &s.Brand, &s.Region, &s.Address, &lat, &lon, &s.RiskCategory,
		&s.AuditFrequency, &managers, &s.Active, &s.Version, &s.CreatedAt, &s.UpdatedAt, &s.TimeZone); err != nil {
		return nil, err
	}
	if lat.Valid {
		s.Latitude = &lat.Float64
	}
	if lon.Valid {
		s.Longitude = &lon.Float64
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.ManagerUserIDs = []string{}
	return &s, jsonScan(managers.NullString, &s.ManagerUserIDs)
}

func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func (t stationTx) CreateStation(ctx context.Context, orgID string, s *station.Station) error {
	managers, err := jsonParam(orEmpty(s.ManagerUserIDs))
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO stations (organization_id, `+stationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, s.ID, s.Code, s.Name, s.Brand, s.Region, s.Address, nullFloat(s.Latitude), nullFloat(s.Longitude),
		s.RiskCategory, s.AuditFrequency, managers, s.Active, s.Version, utc(s.CreatedAt), utc(s.UpdatedAt), s.TimeZone)
	if isUniqueViolation(err) {
		return stationCodeTaken(s.Code)
	}
	return err
}

func stationCodeTaken(code string) error {
	e := hse.Conflict("STATION_CODE_TAKEN", "a station with code %s exists", code)
	e.Fields = []hse.FieldError{{Field: "code", Message: "already used by another station"}}
	return e
}

func (t stationTx) FindStation(ctx context.Context, orgID, id string) (*station.Station, error) {
	s, err := scanStation(t.QueryRow(ctx, `SELECT `+stationColumns+` FROM stations WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "station")
	}
	return s, nil
}

// stationSorts maps the list's sort fields to columns.
var stationSorts = map[string]sortKey{
	"":          {expr: "code", kind: sortText, of: func(s any) string { return s.(*station.Station).Code }},
	"code":      {expr: "code", kind: sortText, of: func(s any) string { return s.(*station.Station).Code }},
	"name":      {expr: "name", kind: sortText, of: func(s any) string { return s.(*station.Station).Name }},
	"region":    {expr: "region", kind: sortText, of: func(s any) string { return s.(*station.Station).Region }},
	"createdAt": {expr: "created_at", kind: sortTime, of: func(s any) string { return timeKey(s.(*station.Station).CreatedAt) }},
}

func (t stationTx) FindStations(ctx context.Context, orgID string, f station.Filter, page hse.PageRequest) (hse.Page[station.Station], error) {
	w := newWhere("organization_id = ?", orgID)
	if f.Restricted {
		w.in("id", f.Only)
	}
	w.addIf(f.Region != "", "region = ?", f.Region)
	w.addIf(f.RiskCategory != "", "risk_category = ?", f.RiskCategory)
	if f.Active != nil {
		w.add("active = ?", *f.Active)
	}
	if f.Q != "" {
		like := likePattern(f.Q)
		w.add(`(LOWER(code) LIKE ? ESCAPE '\' OR LOWER(name) LIKE ? ESCAPE '\')`, like, like)
	}
	return findPage(ctx, t.Tx, `SELECT `+stationColumns+` FROM stations`, w, stationSorts[page.Sort], page, scanStation,
		func(s *station.Station) string { return s.ID })
}

func (t stationTx) UpdateStation(ctx context.Context, orgID string, s *station.Station, version int64) error {
	managers, err := jsonParam(orEmpty(s.ManagerUserIDs))
	if err != nil {
		return err
	}
	res, err := t.Exec(ctx, `UPDATE stations SET code = ?, name = ?, brand = ?, region = ?, address = ?, latitude = ?, longitude = ?,
		risk_category = ?, audit_frequency = ?, manager_user_ids = ?, active = ?, version = ?, updated_at = ?, time_zone = ?
		WHERE organization_id = ? AND id = ? AND version = ?`,
		s.Code, s.Name, s.Brand, s.Region, s.Address, nullFloat(s.Latitude), nullFloat(s.Longitude), s.RiskCategory,
		s.AuditFrequency, managers, s.Active, s.Version, utc(s.UpdatedAt), s.TimeZone, orgID, s.ID, version)
	if isUniqueViolation(err) {
		return stationCodeTaken(s.Code)
	}
	return t.expectVersion(ctx, res, err, "stations", "station", orgID, s.ID)
}

// expectVersion turns "no row changed" by a versioned update into a
// stale-version error carrying the current version, or not found.
func (t *Tx) expectVersion(ctx context.Context, res sql.Result, err error, table, what, orgID, id string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	var cur int64
	if err := t.QueryRow(ctx, `SELECT version FROM `+table+` WHERE organization_id = ? AND id = ?`, orgID, id).Scan(&cur); err != nil {
		return notFound(err, what)
	}
	return hse.StaleVersion(what, cur)
}

// NonMembers returns those of ids that are not members of the
// organization, or are suspended: nothing new is given to them.
func (t *Tx) NonMembers(ctx context.Context, orgID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{orgID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := t.Query(ctx, `SELECT user_id FROM memberships WHERE organization_id = ? AND suspended_at IS NULL AND user_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	var out []string
	for _, id := range ids {
		if !found[id] {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

func (t stationTx) PutStationHours(ctx context.Context, orgID string, h *station.Hours) (*station.Hours, error) {
	var old *station.Hours
	var prev float64
	err := t.QueryRow(ctx, `SELECT hours FROM station_hours WHERE organization_id = ? AND station_id = ? AND month = ?`,
		orgID, h.StationID, h.Month).Scan(&prev)
	switch {
	case err == nil:
		old = &station.Hours{StationID: h.StationID, Month: h.Month, Hours: prev}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	_, err = t.Exec(ctx, `INSERT INTO station_hours (organization_id, station_id, month, hours, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (organization_id, station_id, month) DO UPDATE SET hours = excluded.hours, updated_at = excluded.updated_at`,
		orgID, h.StationID, h.Month, h.Hours, utc(h.UpdatedAt))
	return old, err
}

func (t stationTx) FindStationHours(ctx context.Context, orgID, stationID, from, to string) ([]station.Hours, error) {
	w := newWhere("organization_id = ? AND station_id = ?", orgID, stationID)
	w.addIf(from != "", "month >= ?", from)
	w.addIf(to != "", "month <= ?", to)
	rows, err := t.Query(ctx, `SELECT month, hours, updated_at FROM station_hours WHERE `+w.sql()+` ORDER BY month`, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []station.Hours{}
	for rows.Next() {
		h := station.Hours{StationID: stationID}
		if err := rows.Scan(&h.Month, &h.Hours, &h.UpdatedAt); err != nil {
			return nil, err
		}
		h.UpdatedAt = h.UpdatedAt.UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}

// The list helpers below are shared by the station, contractor and action
// lists: a WHERE builder and keyset pagination over (sort key, id), which
// stays fast and stable however deep the page.

// where collects AND-ed conditions and their arguments.
type where struct {
	pre   []any // parameters of the SELECT list, which come first
	conds []string
	args  []any
}

func newWhere(cond string, args ...any) *where { return &where{conds: []string{cond}, args: args} }

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) addIf(ok bool, cond string, args ...any) {
	if ok {
		w.add(cond, args...)
	}
}

// in adds "col IN (...)"; an empty list matches nothing.
func (w *where) in(col string, vals []string) {
	if len(vals) == 0 {
		w.conds = append(w.conds, "1 = 0")
		return
	}
	for _, v := range vals {
		w.args = append(w.args, v)
	}
	w.conds = append(w.conds, col+" IN ("+placeholders(len(vals))+")")
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

// likePattern is a case-insensitive substring pattern with LIKE's
// wildcards escaped, so a search for "100%" finds exactly that.
func likePattern(q string) string {
	q = strings.ToLower(q)
	q = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
	return "%" + q + "%"
}

// Kinds of sort keys: how a cursor's key turns back into a parameter.
const (
	sortText = iota
	sortTime
	sortInt
)

// sortKey is one sort order of a list: the SQL expression, the kind of
// its values and how to read the key of a row for the next cursor.
type sortKey struct {
	expr string
	kind int
	of   func(row any) string
}

func timeKey(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// keyArg turns a cursor key into a parameter of the sort's kind.
func (k sortKey) keyArg(key string) (any, error) {
	bad := hse.Invalid("invalid cursor", hse.FieldError{Field: "cursor", Message: "pass back nextCursor from the previous page unchanged"})
	switch k.kind {
	case sortTime:
		t, err := time.Parse(time.RFC3339Nano, key)
		if err != nil {
			return nil, bad
		}
		return utc(t), nil
	case sortInt:
		n, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return nil, bad
		}
		return n, nil
	}
	return key, nil
}

// pageQuery is a list query in two parts: inner reads the list's own
// table (filters, keyset, ORDER BY and LIMIT go on it), outer, when set,
// wraps the page as {page} under alias to join what the rows refer to.
// A plain string converts to a query with no outer part.
type pageQuery struct {
	inner, outer, alias string
}

// findPage runs a keyset-paginated list query: the rows after the cursor
// in (key, id) order, one more than the page to know whether another
// follows. The keyset is a row-value comparison, which both engines turn
// into one range of the (organization, key, id) index.
func findPage[T any](ctx context.Context, tx *Tx, q any, w *where, sk sortKey, page hse.PageRequest,
	scan func(interface{ Scan(...any) error }) (*T, error), idOf func(*T) string) (hse.Page[T], error) {
	var out hse.Page[T]
	page.Normalize()
	query, args, err := pageSQL(q, w, sk, page)
	if err != nil {
		return out, err
	}
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var last *T
	for rows.Next() {
		if len(out.Items) == page.Limit {
			out.NextCursor = hse.Cursor{Key: sk.of(last), ID: idOf(last)}
			break
		}
		v, err := scan(rows)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, *v)
		last = &out.Items[len(out.Items)-1]
	}
	return out, rows.Err()
}

// pageSQL builds the statement of one page (limit 0: every row, for an
// export) and its arguments.
func pageSQL(q any, w *where, sk sortKey, page hse.PageRequest) (string, []any, error) {
	pq, ok := q.(pageQuery)
	if !ok {
		pq = pageQuery{inner: q.(string)}
	}
	cmp, dir := ">", "ASC"
	if page.Desc {
		cmp, dir = "<", "DESC"
	}
	if !page.Cursor.IsZero() {
		key, err := sk.keyArg(page.Cursor.Key)
		if err != nil {
			return "", nil, err
		}
		w.add("("+sk.expr+", id) "+cmp+" (?, ?)", key, page.Cursor.ID)
	}
	args := append(append([]any{}, w.pre...), w.args...)
	query := pq.inner + ` WHERE ` + w.sql() + ` ORDER BY ` + sk.expr + ` ` + dir + `, id ` + dir
	if page.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, page.Limit+1)
	}
	if pq.outer != "" {
		query = strings.Replace(pq.outer, "{page}", query, 1) + ` ORDER BY ` + pq.alias + `.` + sk.expr + ` ` + dir + `, ` + pq.alias + `.id ` + dir
	}
	return query, args, nil
}

// FindMemberAccess reads the permissions and the scope kind of a member's
// role, for the rule on who may manage a station.
func (t stationTx) FindMemberAccess(ctx context.Context, orgID, userID string) (*station.MemberAccess, error) {
	var perms nullJSON
	acc := &station.MemberAccess{}
	err := t.QueryRow(ctx, `SELECT r.permissions, r.scope FROM memberships m
		JOIN roles r ON r.organization_id = m.organization_id AND r.id = m.role_id
		WHERE m.organization_id = ? AND m.user_id = ?`, orgID, userID).Scan(&perms, &acc.ScopeKind)
	if err != nil {
		return nil, notFound(err, "member")
	}
	var ps []hse.Permission
	if err := jsonScan(perms.NullString, &ps); err != nil {
		return nil, err
	}
	acc.Permissions = hse.NewPermissionSet(ps...)
	return acc, nil
}
