"""When a Streamlit screen's view is complete, as a browser sees it: one definition for the
benchmarks (their times end there) and the browser tests (they read the page there).

The run being over is not enough: an element whose code Streamlit loads on its first use
(``st.image``, a chart) shows a placeholder until that code arrives (0.5-0.7 s after the run
on an idle 2-core machine, the home page's three images), and plotly draws its chart after
the element exists.
"""

#: A JavaScript function of no argument: why the view is not complete yet, or null once it is
#: (connected, no script or fragment running, the title shown, nothing stale, no skeleton
#: placeholder, every image decoded, every plotly chart drawn).
VIEW_BUSY_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app) return 'no app';
  if (app.getAttribute('data-test-script-state') === 'running') return 'running';
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return 'connecting';
  if (!document.querySelector('[data-testid=stMain] h1')) return 'no title';
  if (document.querySelector('[data-stale=true]')) return 'stale';
  if (document.querySelector('[data-testid=stSkeleton]')) return 'skeleton';
  for (const i of document.images) if (!i.complete) return 'image';
  for (const c of document.querySelectorAll('[data-testid=stPlotlyChart]'))
    if (!c.querySelector('.main-svg')) return 'chart';
  return null;
}"""
