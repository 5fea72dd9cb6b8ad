/** @internal Calls `onEnd` once the body has been read to its end, errored, or was cancelled by the runtime. */
export function trackBody(response: Response, onEnd: () => void): Response {
  const body = response.body;
  if (body === null) {
    onEnd();
    return response;
  }
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (!ended) (ended = true), onEnd();
  };
  const tracked = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          end();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(tracked, response);
}
