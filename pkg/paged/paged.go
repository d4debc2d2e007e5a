// Package paged reads every object of a LIST in pages of bounded size,
// with one generic helper for every kind the engines read, so that a
// 5 000-node or 100 000-pod cluster is read in requests of bounded size
// and each page can be dropped once its items are trimmed.
package paged

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/pager"
)

// DefaultPageSize is the LIST chunk size when none is given (client-go's
// pager default).
const DefaultPageSize = 500

// ListFunc is a typed LIST call, such as a clientset's
// c.CoreV1().Pods(ns).List or a metadata client's List.
type ListFunc[L runtime.Object] func(ctx context.Context, opts metav1.ListOptions) (L, error)

// Each lists page by page (pageSize items a page; 0 means
// DefaultPageSize) and calls fn with every item, typed. fn may keep the
// item: the page it came from stays alive as long as one of its items is.
// An item of another type than T is an error, never a silent skip.
func Each[T runtime.Object, L runtime.Object](ctx context.Context, pageSize int64, list ListFunc[L], opts metav1.ListOptions, fn func(T) error) error {
	p := pager.New(func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return list(ctx, o)
	})
	p.PageSize = DefaultPageSize
	if pageSize > 0 {
		p.PageSize = pageSize
	}
	return p.EachListItem(ctx, opts, func(o runtime.Object) error {
		t, ok := o.(T)
		if !ok {
			var want T
			return fmt.Errorf("the list returned a %T, not a %T", o, want)
		}
		return fn(t)
	})
}

// Into returns a function that lists page by page into add: one step of a
// collection that reads many kinds the same way.
func Into[T runtime.Object, L runtime.Object](ctx context.Context, pageSize int64, list ListFunc[L], opts metav1.ListOptions, add func(T)) func() error {
	return func() error {
		return Each(ctx, pageSize, list, opts, func(o T) error { add(o); return nil })
	}
}
