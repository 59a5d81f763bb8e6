/* The properties panel waits 300 ms after typing before it changes the model. Deploying
 * right after typing must not lose that last edit, so this replaces the panel's
 * debounceInput with one whose pending edits can all be applied now: flush(). */
const DELAY = 300;

function flushableDebounce() {
  const pending = new Set();
  function debounceInput(fn) {
    let timer = null;
    let lastArgs = [];
    function run() {
      window.clearTimeout(timer);
      timer = null;
      pending.delete(run);
      fn(...lastArgs);
    }
    return function debounced(...args) {
      lastArgs = args;
      window.clearTimeout(timer);
      timer = window.setTimeout(run, DELAY);
      pending.add(run);
    };
  }
  debounceInput.flush = () => { for (const run of [...pending]) run(); };
  return debounceInput;
}

export default { debounceInput: ["factory", flushableDebounce] };
