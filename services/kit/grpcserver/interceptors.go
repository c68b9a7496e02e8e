package grpcserver

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"buf.build/go/protovalidate"
	"github.com/google/uuid"
	middleware "github.com/grpc-ecosystem/go-grpc-middleware/v2"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	grpcauth "github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/auth"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
)

// CorrelationHeader is the metadata key of the correlation id, in requests
// and response headers.
const CorrelationHeader = "x-correlation-id"

// A caller's correlation id is kept only if it is short and plain, so it is
// safe in logs and event metadata; otherwise a new one is generated.
var correlationRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

type correlationKey struct{}

// WithCorrelationID returns a context carrying the correlation id (for work
// that does not start with a gRPC call, such as an event consumer).
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationID is the correlation id of the call ("" outside one).
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}

// callState is shared by the outer interceptors with the inner ones, so the
// log line of a call names the principal found by authentication.
type callState struct {
	principal auth.Principal
	authed    bool
}

type stateKey struct{}

func stateOf(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

func newCorrelationID() string {
	if id, err := uuid.NewV7(); err == nil {
		return id.String()
	}
	return uuid.NewString()
}

// startCall prepares the context of a call: correlation id and call state.
func startCall(ctx context.Context) (context.Context, string) {
	id := ""
	if vals := metadata.ValueFromIncomingContext(ctx, CorrelationHeader); len(vals) > 0 && correlationRE.MatchString(vals[0]) {
		id = vals[0]
	}
	if id == "" {
		id = newCorrelationID()
	}
	ctx = WithCorrelationID(ctx, id)
	ctx = context.WithValue(ctx, stateKey{}, &callState{})
	return ctx, id
}

type chain struct {
	log       *zap.Logger
	codec     *requestCodec
	verifier  auth.Verifier
	policy    auth.Policy
	validator protovalidate.Validator
	started   *atomic.Bool // false while the host builds the read models
}

func (c chain) interceptors() ([]grpc.UnaryServerInterceptor, []grpc.StreamServerInterceptor) {
	guarded := selector.MatchFunc(func(_ context.Context, cm interceptors.CallMeta) bool {
		return !isExempt(cm.FullMethod())
	})
	rec := recovery.WithRecoveryHandlerContext(c.recovered)
	unary := []grpc.UnaryServerInterceptor{
		c.correlationUnary,
		c.logUnary,
		c.decodedUnary,
		c.startedUnary,
		recovery.UnaryServerInterceptor(rec),
		selector.UnaryServerInterceptor(grpcauth.UnaryServerInterceptor(c.authenticate), guarded),
		c.authorizeUnary,
		c.validateUnary,
		c.mapErrorsUnary,
	}
	stream := []grpc.StreamServerInterceptor{
		c.correlationStream,
		c.logStream,
		c.decodedStream,
		c.startedStream,
		recovery.StreamServerInterceptor(rec),
		selector.StreamServerInterceptor(grpcauth.StreamServerInterceptor(c.authenticate), guarded),
		c.authorizeStream,
		c.validateStream,
		c.mapErrorsStream,
	}
	return unary, stream
}

// withContext wraps a stream so handlers see ctx.
func withContext(ss grpc.ServerStream, ctx context.Context) grpc.ServerStream {
	w := middleware.WrapServerStream(ss)
	w.WrappedContext = ctx
	return w
}

// 1. Correlation id.

func (c chain) correlationUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	ctx, id := startCall(ctx)
	_ = grpc.SetHeader(ctx, metadata.Pairs(CorrelationHeader, id))
	return h(ctx, req)
}

func (c chain) correlationStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	ctx, id := startCall(ss.Context())
	_ = ss.SetHeader(metadata.Pairs(CorrelationHeader, id))
	return h(srv, withContext(ss, ctx))
}

// 2. Logging.

func (c chain) logUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := h(ctx, req)
	c.logCall(ctx, info.FullMethod, start, err)
	return resp, err
}

func (c chain) logStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	start := time.Now()
	err := h(srv, ss)
	c.logCall(ss.Context(), info.FullMethod, start, err)
	return err
}

func (c chain) logCall(ctx context.Context, method string, start time.Time, err error) {
	st := status.Convert(err)
	level := levelOf(st.Code())
	if isExempt(method) && st.Code() == codes.OK {
		level = zapcore.DebugLevel // health probes would drown everything else
	}
	ce := c.log.Check(level, "rpc")
	if ce == nil {
		return
	}
	fields := []zap.Field{
		zap.String("method", method),
		zap.String("code", st.Code().String()),
		zap.Duration("duration", time.Since(start)),
		zap.String("correlation_id", CorrelationID(ctx)),
	}
	if s := stateOf(ctx); s != nil && s.authed {
		fields = append(fields, zap.String("sub", s.principal.Subject), zap.String("org", s.principal.Organisation))
	}
	if err != nil {
		fields = append(fields, zap.String("error", st.Message()))
	}
	ce.Write(fields...)
}

// levelOf follows go-grpc-middleware's DefaultServerCodeToLevel: the caller's
// mistakes are info, refusals by state or rights are warnings, the server's
// failures are errors.
func levelOf(code codes.Code) zapcore.Level {
	switch code {
	case codes.OK, codes.NotFound, codes.Canceled, codes.AlreadyExists, codes.InvalidArgument, codes.Unauthenticated:
		return zapcore.InfoLevel
	case codes.DeadlineExceeded, codes.PermissionDenied, codes.ResourceExhausted, codes.FailedPrecondition,
		codes.Aborted, codes.OutOfRange:
		return zapcore.WarnLevel
	default:
		return zapcore.ErrorLevel
	}
}

// 4. Started: until the host has built the read models, only health (and
// reflection) are served; everything else is UNAVAILABLE, which clients retry.

var errStarting = status.Error(codes.Unavailable, "the service is starting: its read models are catching up; retry shortly")

func (c chain) startedUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if !c.started.Load() && !isExempt(info.FullMethod) {
		return nil, errStarting
	}
	return h(ctx, req)
}

func (c chain) startedStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if !c.started.Load() && !isExempt(info.FullMethod) {
		return errStarting
	}
	return h(srv, ss)
}

// 3. Decoding (see requestCodec).

func (c chain) decodedUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := c.codec.decodeError(req); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (c chain) decodedStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	return h(srv, &decodedStream{ServerStream: ss, codec: c.codec})
}

type decodedStream struct {
	grpc.ServerStream
	codec *requestCodec
}

func (s *decodedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.codec.decodeError(m)
}

// 5. Panic recovery.

func (c chain) recovered(ctx context.Context, p any) error {
	c.log.Error("panic in handler",
		zap.Any("panic", p),
		zap.String("correlation_id", CorrelationID(ctx)),
		zap.StackSkip("stack", 1))
	return status.Error(codes.Internal, "internal error")
}

// 6. Authentication.

func (c chain) authenticate(ctx context.Context) (context.Context, error) {
	token, err := grpcauth.AuthFromMD(ctx, "bearer")
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, "missing bearer token in the authorization metadata")
	}
	p, err := c.verifier.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, err.Error())
	}
	if s := stateOf(ctx); s != nil {
		s.principal, s.authed = p, true
	}
	return auth.WithPrincipal(ctx, p), nil
}

// 7. Authorization.

func (c chain) authorize(ctx context.Context, method string) error {
	if isExempt(method) {
		return nil
	}
	p, ok := auth.FromContext(ctx)
	if !ok {
		// Only if authentication was bypassed (a service implementing
		// grpcauth.ServiceAuthFuncOverride): still no anonymous access.
		return status.Error(codes.Unauthenticated, "unauthenticated")
	}
	if err := c.policy.Authorize(method, p); err != nil {
		return status.Error(codes.PermissionDenied, err.Error())
	}
	return nil
}

func (c chain) authorizeUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := c.authorize(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (c chain) authorizeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := c.authorize(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return h(srv, ss)
}

// 8. Validation.

func (c chain) validate(m any) error {
	msg, ok := m.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "unsupported message type %T", m)
	}
	err := c.validator.Validate(msg)
	if err == nil {
		return nil
	}
	var verr *protovalidate.ValidationError
	if !errors.As(err, &verr) {
		// A rule that does not compile: the server's fault, not the caller's.
		c.log.Error("validation rules failed", zap.String("message", string(msg.ProtoReflect().Descriptor().FullName())), zap.Error(err))
		return status.Error(codes.Internal, "internal error")
	}
	return invalidArgument(verr)
}

// invalidArgument builds INVALID_ARGUMENT with one BadRequest field violation
// per invalid field (several broken rules of one field are joined).
func invalidArgument(verr *protovalidate.ValidationError) error {
	var (
		order  []string
		byPath = map[string]*errdetails.BadRequest_FieldViolation{}
	)
	for _, v := range verr.Violations {
		path := protovalidate.FieldPathString(v.Proto.GetField())
		msg := v.Proto.GetMessage()
		if msg == "" {
			msg = v.Proto.GetRuleId()
		}
		if fv, ok := byPath[path]; ok {
			fv.Description += "; " + msg
			continue
		}
		order = append(order, path)
		byPath[path] = &errdetails.BadRequest_FieldViolation{
			Field:       path,
			Description: msg,
			Reason:      reasonOf(v.Proto.GetRuleId()),
		}
	}
	br := &errdetails.BadRequest{}
	parts := make([]string, 0, len(order))
	for _, path := range order {
		fv := byPath[path]
		br.FieldViolations = append(br.FieldViolations, fv)
		if path == "" {
			parts = append(parts, fv.Description)
		} else {
			parts = append(parts, path+": "+fv.Description)
		}
	}
	return withDetails(status.New(codes.InvalidArgument, "invalid request: "+strings.Join(parts, "; ")), br)
}

// reasonOf turns a protovalidate rule id ("string.pattern") into the
// UPPER_SNAKE_CASE a google.rpc reason is made of ("STRING_PATTERN").
func reasonOf(ruleID string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		default:
			return '_'
		}
	}, ruleID)
}

func (c chain) validateUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if !isExempt(info.FullMethod) {
		if err := c.validate(req); err != nil {
			return nil, err
		}
	}
	return h(ctx, req)
}

func (c chain) validateStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if isExempt(info.FullMethod) {
		return h(srv, ss)
	}
	return h(srv, &validatingStream{ServerStream: ss, validate: c.validate})
}

type validatingStream struct {
	grpc.ServerStream
	validate func(any) error
}

func (s *validatingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.validate(m)
}

// 9. Handler errors.

func (c chain) mapError(ctx context.Context, method string, err error) error {
	if err == nil {
		return nil
	}
	st, known := statusOf(err)
	if ctx.Err() == nil && jetstream.Transient(err) {
		// Not the caller's deadline (its context is live): the store's own
		// request timed out, during a leader election say. Retry.
		st = errStoreUnavailable
		c.log.Warn("event store unavailable: answered UNAVAILABLE",
			zap.String("method", method),
			zap.String("correlation_id", CorrelationID(ctx)),
			zap.Error(err))
	}
	if !known || errors.Is(err, eventstore.ErrOlderThanData) { // the latter is an operator's problem, not the caller's
		c.log.Error("handler failed",
			zap.String("method", method),
			zap.String("correlation_id", CorrelationID(ctx)),
			zap.Error(err))
	}
	return st.Err()
}

func (c chain) mapErrorsUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	if err != nil {
		return nil, c.mapError(ctx, info.FullMethod, err)
	}
	return resp, nil
}

func (c chain) mapErrorsStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	return c.mapError(ss.Context(), info.FullMethod, h(srv, ss))
}
