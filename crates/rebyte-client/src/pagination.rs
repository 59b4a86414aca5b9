//! Every task, page after page, as a lazy stream.

use std::collections::{HashSet, VecDeque};

use futures_util::Stream;
use rebyte_types::{ListTasksQuery, TaskId, TaskSummary};

use crate::client::Client;
use crate::error::Result;

struct Pages {
    client: Client,
    page_size: u32,
    offset: u64,
    buffer: VecDeque<TaskSummary>,
    seen: HashSet<TaskId>,
    finished: bool,
}

impl Client {
    /// Every task, newest first, as a lazy stream of pages of `page_size` (1 to 100).
    ///
    /// A page is requested only when the stream is polled past the previous one, so taking
    /// the first ten tasks costs one request. The list is paged by offset: a task created
    /// while the stream runs shifts the pages, so tasks already yielded are skipped rather
    /// than yielded twice. An error ends the stream after it is yielded.
    ///
    /// ```no_run
    /// use futures_util::{StreamExt, TryStreamExt};
    /// # async fn run(client: rebyte_client::Client) -> rebyte_client::Result<()> {
    /// let recent: Vec<_> = client.list_all_tasks(50).take(120).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn list_all_tasks(
        &self,
        page_size: u32,
    ) -> impl Stream<Item = Result<TaskSummary>> + Send + 'static {
        let state = Pages {
            client: self.clone(),
            page_size,
            offset: 0,
            buffer: VecDeque::new(),
            seen: HashSet::new(),
            finished: false,
        };
        futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(task) = state.buffer.pop_front() {
                    return Some((Ok(task), state));
                }
                if state.finished {
                    return None;
                }
                let offset = match u32::try_from(state.offset) {
                    Ok(offset) => offset,
                    Err(_) => return None,
                };
                let query = ListTasksQuery::page(state.page_size, offset);
                match state.client.list_tasks(query).await {
                    Ok(page) => {
                        let count = page.data.len() as u64;
                        state.offset += count;
                        if count == 0 || state.offset >= page.total {
                            state.finished = true;
                        }
                        for task in page.data {
                            if state.seen.insert(task.id.clone()) {
                                state.buffer.push_back(task);
                            }
                        }
                    }
                    Err(error) => {
                        state.finished = true;
                        return Some((Err(error), state));
                    }
                }
            }
        })
    }
}
