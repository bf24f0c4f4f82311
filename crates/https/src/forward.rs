//! Forwarding of `AsyncWrite` for the stream wrappers that only change how a connection is
//! read ([`crate::early::EarlyDataIo`], the first-bytes replay): every write call, vectored
//! writes included, goes to the wrapped stream unchanged, so the coalescing below them
//! keeps working.

/// Implements `AsyncWrite` for `$wrapper<IO>` by forwarding every call to its field
/// `$field` of type `$inner`.
macro_rules! forward_async_write {
    ($wrapper:ident, $field:ident: $inner:ty) => {
        impl<IO> tokio::io::AsyncWrite for $wrapper<IO>
        where
            $inner: tokio::io::AsyncWrite + Unpin,
            Self: Unpin,
        {
            fn poll_write(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut self.$field).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut self.$field).poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                self.$field.is_write_vectored()
            }

            fn poll_flush(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut self.$field).poll_flush(cx)
            }

            fn poll_shutdown(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut self.$field).poll_shutdown(cx)
            }
        }
    };
}

pub(crate) use forward_async_write;
